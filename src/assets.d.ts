// Files under units/ are bundled as text (esbuild's text loader; a vitest plugin in tests).
declare module "*.service" {
  const text: string;
  export default text;
}
declare module "*.target" {
  const text: string;
  export default text;
}
declare module "*.cfg" {
  const text: string;
  export default text;
}
declare module "*.sh" {
  const text: string;
  export default text;
}
