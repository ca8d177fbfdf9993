import { describe, expect, it } from 'vitest';
import { validateJsonSchema, type Json } from '../../src/plugins/schema.js';

const S: Json = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  definitions: { port: { type: 'integer', minimum: 1, maximum: 65535 } },
  properties: {
    url: { type: 'string', pattern: '^https?://', minLength: 8 },
    port: { $ref: '#/definitions/port' },
    mode: { enum: ['a', 'b'] },
    tags: { type: 'array', items: { type: 'string' }, maxItems: 2, uniqueItems: true },
    ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    legacy: { type: 'number', minimum: 0, exclusiveMinimum: true },
    nested: { type: 'object', properties: { on: { type: 'boolean' } }, additionalProperties: { type: 'string' } },
    either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    any: { anyOf: [{ type: 'null' }, { type: 'boolean' }] },
    notZero: { not: { const: 0 } },
    opt: { type: ['string', 'null'] },
  },
};

describe('init schema validation (JSON schema subset)', () => {
  it('accepts a valid config', () => {
    expect(
      validateJsonSchema(
        { url: 'https://x.y', port: 443, mode: 'a', tags: ['p', 'q'], ratio: 0.5, legacy: 1, nested: { on: true, x: 'y' }, either: 3, any: null, notZero: 1, opt: null },
        S,
      ),
    ).toEqual([]);
  });

  it('reports every problem with its place', () => {
    const errs = validateJsonSchema(
      { port: 0, mode: 'c', tags: ['p', 'p', 'q'], ratio: 1, legacy: 0, nested: { on: 1, x: 2 }, either: 1.5, any: 'x', notZero: 0, opt: 3, extra: true },
      S,
    );
    expect(errs).toEqual([
      "(root): missing required property 'url'",
      '.port: 0 is less than the minimum 1',
      '.mode: "c" is not one of ["a","b"]',
      '.tags: more than 2 items',
      '.tags: items are not unique',
      '.ratio: 1 must be less than 1',
      '.legacy: 0 is less than or equal to the minimum 0',
      '.nested.on: expected boolean, got number',
      '.nested.x: expected string, got number',
      '.either: must match exactly one alternative (oneOf), matches 0',
      '.any: matches none of the allowed alternatives (anyOf)',
      '.notZero: matches a forbidden schema (not)',
      '.opt: expected string or null, got number',
      "(root): unknown property 'extra'",
    ]);
  });

  it('strings: pattern and length', () => {
    expect(validateJsonSchema({ url: 'ftp://xxxxxx' }, S)).toEqual(['.url: "ftp://xxxxxx" does not match the pattern ^https?://']);
    expect(validateJsonSchema({ url: 'http://' }, S)).toEqual(['.url: shorter than 8 characters']);
  });

  it('boolean schemas, $ref to root, and unusable schemas', () => {
    expect(validateJsonSchema(1, true)).toEqual([]);
    expect(validateJsonSchema(1, false)).toEqual([': no value is allowed here']);
    const tree: Json = { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#' } } } };
    expect(validateJsonSchema({ kids: [{ kids: [] }, { kids: 3 }] }, tree)).toEqual(['.kids[1].kids: expected array, got number']);
    expect(() => validateJsonSchema(1, { $ref: 'http://x/y' })).toThrow(/only local/);
    expect(() => validateJsonSchema(1, { $ref: '#/definitions/none' })).toThrow(/unresolvable/);
    expect(() => validateJsonSchema(1, [] as Json)).toThrow(/not a JSON object/);
    expect(() => validateJsonSchema({ a: {} }, { $ref: '#' })).toThrow(/too deep/);
  });
});
