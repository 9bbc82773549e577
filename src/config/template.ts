// cloud-init's templater for short strings (final_message, phone_home's URL): "$name" and
// "${name}" (its basic renderer), or "{{ name }}" under a "## template: jinja" header.
/** `{{ name }}` under a jinja header, `$name` / `${name}` otherwise (cloud-init's basic renderer). */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  const jinja = /^## template: *jinja[^\n]*\n/i.exec(template);
  if (jinja) return template.slice(jinja[0].length).replace(/\{\{\s*(\w+)\s*\}\}/g, (m, n: string) => vars[n] ?? m);
  return template.replace(/\$\{(\w+)\}|\$(\w+)/g, (m, a: string | undefined, b: string | undefined) => vars[a ?? b ?? ""] ?? m);
}
