/**
 * A small, strict XML parser for checking JUnit output: elements, attributes, text,
 * the five predefined entities and numeric references, comments and the XML declaration.
 * Throws on anything malformed (mismatched tags, unquoted attributes, bare `&` or `<`).
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

function decode(s: string, at: number): string {
  return s.replace(/&([^;]*);|&/g, (m, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`bare & near offset ${at}`);
    switch (ent) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const num = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ent);
    if (num) return String.fromCodePoint(num[1]!.startsWith('x') ? parseInt(num[1]!.slice(1), 16) : parseInt(num[1]!, 10));
    throw new Error(`unknown entity ${m} near offset ${at}`);
  });
}

export function parseXml(src: string): XmlElement {
  let p = 0;
  const ws = () => {
    while (p < src.length && /\s/.test(src[p]!)) p++;
  };
  const name = (): string => {
    NAME.lastIndex = p;
    const m = NAME.exec(src);
    if (!m) throw new Error(`name expected at offset ${p}`);
    p += m[0].length;
    return m[0];
  };
  const misc = () => {
    for (;;) {
      ws();
      if (src.startsWith('<?', p)) {
        const e = src.indexOf('?>', p);
        if (e < 0) throw new Error('unterminated declaration');
        p = e + 2;
      } else if (src.startsWith('<!--', p)) {
        const e = src.indexOf('-->', p);
        if (e < 0) throw new Error('unterminated comment');
        p = e + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[p] !== '<') throw new Error(`< expected at offset ${p}`);
    p++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      ws();
      if (src.startsWith('/>', p)) {
        p += 2;
        return el;
      }
      if (src[p] === '>') {
        p++;
        break;
      }
      const an = name();
      ws();
      if (src[p] !== '=') throw new Error(`= expected at offset ${p}`);
      p++;
      ws();
      const q = src[p];
      if (q !== '"' && q !== "'") throw new Error(`quoted attribute value expected at offset ${p}`);
      const end = src.indexOf(q, p + 1);
      if (end < 0) throw new Error('unterminated attribute');
      const raw = src.slice(p + 1, end);
      if (raw.includes('<')) throw new Error(`< in attribute value at offset ${p}`);
      if (an in el.attrs) throw new Error(`duplicate attribute ${an}`);
      el.attrs[an] = decode(raw, p);
      p = end + 1;
    }
    for (;;) {
      const lt = src.indexOf('<', p);
      if (lt < 0) throw new Error(`unclosed <${el.name}>`);
      const raw = src.slice(p, lt);
      if (raw.includes('>') && raw.includes(']]>')) throw new Error(']]> in text');
      el.text += decode(raw, p);
      p = lt;
      if (src.startsWith('</', p)) {
        p += 2;
        const n = name();
        if (n !== el.name) throw new Error(`</${n}> closes <${el.name}> at offset ${p}`);
        ws();
        if (src[p] !== '>') throw new Error(`> expected at offset ${p}`);
        p++;
        return el;
      }
      if (src.startsWith('<!--', p)) {
        const e = src.indexOf('-->', p);
        if (e < 0) throw new Error('unterminated comment');
        p = e + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  misc();
  const root = element();
  misc();
  if (p !== src.length) throw new Error(`content after the root element at offset ${p}`);
  return root;
}
