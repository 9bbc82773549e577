// cloud-init's util.shellify: a command list becomes a /bin/sh script. Strings are copied
// as written (they are shell by the user's choice); list items are quoted word by word.
export function shellify(commands: unknown[], where: string): string {
  const lines = ["#!/bin/sh"];
  commands.forEach((command, i) => {
    if (command === null || command === undefined) return;
    if (typeof command === "string") lines.push(command);
    else if (Array.isArray(command)) lines.push(command.map((word) => shellQuote(String(word))).join(" "));
    else throw new TypeError(`${where} item ${i} must be a string or a list, not ${typeof command}`);
  });
  return `${lines.join("\n")}\n`;
}

/** Single-quotes a word for /bin/sh: 'it'\''s'. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, "'\\''")}'`;
}
