// Search snippets mark hits between \u0001 and \u0002. They become <mark>
// elements through text nodes only: the snippet text is never parsed as HTML.
import type { ComponentChildren } from "preact";

export const HIT_START = "\u0001";
export const HIT_END = "\u0002";

export type SnippetPart = { text: string; hit: boolean };

export function parseSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let hit = false;
  let text = "";
  const flush = () => {
    if (text) parts.push({ text, hit });
    text = "";
  };
  for (const ch of snippet) {
    if (ch === HIT_START) {
      flush();
      hit = true;
    } else if (ch === HIT_END) {
      flush();
      hit = false;
    } else {
      text += ch;
    }
  }
  flush();
  return parts;
}

export function Snippet({ text }: { text: string }): ComponentChildren {
  return (
    <>
      {parseSnippet(text).map((p, i) => (p.hit ? <mark key={i}>{p.text}</mark> : p.text))}
    </>
  );
}
