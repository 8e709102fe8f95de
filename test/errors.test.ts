import { escapeUnsafe, formatProblem, showValue, ValidationError } from '../src/errors';

/** Characters that would make a terminal line lie or break: none may appear raw in a message. */
const UNSAFE_RAW = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc01-\udc7f]/;

describe('showValue', () => {
  test.each([
    // [what, value, rendered]
    ['plain text', 'team-a', '"team-a"'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a newline (JSON escape)', 'a\nb', '"a\\nb"'],
    ['a quote and a backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['DEL', 'a\u007fb', '"a\\u007fb"'],
    ['C1 control NEL', 'a\u0085b', '"a\\u0085b"'],
    ['C1 control CSI', '\u009b31m', '"\\u009b31m"'],
    ['right-to-left override U+202E', 'evil\u202Etxt.exe', '"evil\\u202etxt.exe"'],
    ['left-to-right embedding U+202A', '\u202Ax', '"\\u202ax"'],
    ['line separator U+2028', 'a\u2028b', '"a\\u2028b"'],
    ['paragraph separator U+2029', 'a\u2029b', '"a\\u2029b"'],
    ['zero-width space U+200B', 'team\u200B-a', '"team\\u200b-a"'],
    ['zero-width joiner U+200D', 'a\u200Db', '"a\\u200db"'],
    ['right-to-left mark U+200F', 'a\u200Fb', '"a\\u200fb"'],
    ['word joiner U+2060', 'a\u2060b', '"a\\u2060b"'],
    ['invisible plus U+2064', 'a\u2064b', '"a\\u2064b"'],
    ['isolate U+2066', '\u2066a\u2069', '"\\u2066a\\u2069"'],
    ['U+206F', 'a\u206Fb', '"a\\u206fb"'],
    ['byte order mark U+FEFF', '\uFEFFteam', '"\\ufeffteam"'],
    ['soft hyphen U+00AD', 'te\u00ADam', '"te\\u00adam"'],
    ['Arabic letter mark U+061C', 'a\u061Cb', '"a\\u061cb"'],
    ['tag character U+E0041 (astral, as a surrogate pair)', 'a\u{E0041}b', '"a\\udb40\\udc41b"'],
    ['visible non-ASCII stays readable', 'tëam-ä', '"tëam-ä"'],
    ['an emoji stays', 'a😀b', '"a😀b"'],
    ['a lone surrogate (JSON escape)', 'a\ud800b', '"a\\ud800b"'],
    ['inside a list', ['ok', 'x\u202Ey'], '["ok","x\\u202ey"]'],
    ['inside a map key', { 'k\u2028': 1 }, '{"k\\u2028":1}'],
  ])('%s', (_, value, rendered) => {
    const shown = showValue(value);
    expect(shown).toBe(rendered);
    expect(shown).not.toMatch(UNSAFE_RAW);
  });

  test.each([
    ['plain', 'x'.repeat(200)],
    ['RLO at the cut', `${'x'.repeat(70)}${'\u202E'.repeat(20)}`],
    ['escapes all along', '\u200B'.repeat(100)],
    ['astral format characters all along', '\u{E0041}'.repeat(50)],
    ['JSON escapes all along', '\n'.repeat(100)],
    ['emoji all along', '😀'.repeat(100)],
  ])('shortens long values to at most 80 characters without cutting an escape or a character apart (%s)', (_, value) => {
    const shown = showValue(value);
    expect(shown.length).toBeLessThanOrEqual(80);
    expect(shown.endsWith('...')).toBe(true);
    const body = shown.slice(0, -3);
    // Every backslash starts a whole escape; no lone surrogate is left at the end.
    expect(body).toMatch(/^"(?:\\u[0-9a-f]{4}|\\[nrtbf"\\]|[^\\])*$/u);
    expect(body).not.toMatch(/\\ud[89ab][0-9a-f]{2}$/);
    expect(/[\ud800-\udbff]$/.test(body)).toBe(false);
    expect(shown).not.toMatch(UNSAFE_RAW);
  });

  test('a value JSON cannot render is still escaped', () => {
    const fn = Object.assign(() => 0, { toString: () => 'line1\nline2\u202E' });
    expect(showValue(fn)).toBe('line1\\u000aline2\\u202e');
    expect(showValue(10n)).toBe('10');
  });
});

describe('escapeUnsafe', () => {
  test.each([
    ['text without quotes stays as is', 'Unresolved tag: !foo', 'Unresolved tag: !foo'],
    ['controls and format characters are escaped', 'tag \u202E!oof\u0007\n', 'tag \\u202e!oof\\u0007\\u000a'],
    ['visible non-ASCII stays', 'café', 'café'],
  ])('%s', (_, text, escaped) => {
    expect(escapeUnsafe(text)).toBe(escaped);
    expect(escapeUnsafe(text)).not.toMatch(UNSAFE_RAW);
  });
});

describe('formatProblem', () => {
  test('a problem built with showValue stays on one line and shows the hidden characters', () => {
    const text = formatProblem({ path: 'vclusters[0].namespace', message: 'not a valid namespace', value: showValue('team\u2028a\u202E'), allowed: 'a DNS-1123 label' });
    expect(text).toBe('vclusters[0].namespace: not a valid namespace; got "team\\u2028a\\u202e" (allowed: a DNS-1123 label)');
    expect(text.split(/\r\n|\r|\n|\u2028|\u2029/)).toHaveLength(1);
  });

  test('text the library did not write (file names, parser messages) is escaped too, once', () => {
    // GIVEN a file name and a message carrying hidden characters, and a value already escaped
    const problem = { file: 'fleet\u202e.yaml', line: 3, column: 12, path: '(yaml)', message: 'alias *a\u200bb\nhas no anchor', value: showValue('x\u202e') };
    // WHEN it is formatted, alone and inside a ValidationError
    const text = formatProblem(problem);
    const error = new ValidationError('invalid fleet file fleet\u202e.yaml', [problem]);
    // THEN nothing hidden reaches the terminal, and the value's escapes are not escaped twice
    expect(text).toBe('fleet\\u202e.yaml:3:12: (yaml): alias *a\\u200bb\\u000ahas no anchor; got "x\\u202e"');
    expect(UNSAFE_RAW.test(text)).toBe(false);
    expect(error.message.split('\n')).toEqual(['invalid fleet file fleet\\u202e.yaml: 1 problem:', `  - ${text}`]);
  });
});
