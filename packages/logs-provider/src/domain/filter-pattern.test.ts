import { compileFilterPattern, FilterPatternError } from './filter-pattern';

const matching = (pattern: string, messages: string[]) => messages.filter(compileFilterPattern(pattern));

describe('filter patterns', () => {
  const lines = ['ERROR db down', 'WARN db slow', 'INFO cache warm', 'ERROR cache miss', 'Error: lower case'];

  it('matches everything when empty', () => {
    expect(matching('', lines)).toEqual(lines);
    expect(matching('   ', lines)).toEqual(lines);
    expect(matching('""', lines)).toEqual(lines);
  });

  it('needs every plain term, case-sensitively', () => {
    expect(matching('ERROR', lines)).toEqual(['ERROR db down', 'ERROR cache miss']);
    expect(matching('ERROR cache', lines)).toEqual(['ERROR cache miss']);
    expect(matching('error', lines)).toEqual([]);
  });

  it('matches quoted phrases exactly, with escaped quotes', () => {
    expect(matching('"db down"', lines)).toEqual(['ERROR db down']);
    expect(matching('"down db"', lines)).toEqual([]);
    expect(matching('"Error:"', lines)).toEqual(['Error: lower case']);
    expect(matching('"say \\"hi\\""', ['say "hi" now', 'say hi'])).toEqual(['say "hi" now']);
  });

  it('matches any ?alternative, with terms joining the alternative before them', () => {
    expect(matching('?WARN ?INFO', lines)).toEqual(['WARN db slow', 'INFO cache warm']);
    expect(matching('?ERROR db ?INFO', lines)).toEqual(['ERROR db down', 'INFO cache warm']);
    expect(matching('?"db down" ?"cache miss"', lines)).toEqual(['ERROR db down', 'ERROR cache miss']);
  });

  it('leaves out -excluded terms', () => {
    expect(matching('ERROR -cache', lines)).toEqual(['ERROR db down']);
    expect(matching('-db', lines)).toEqual(['INFO cache warm', 'ERROR cache miss', 'Error: lower case']);
    expect(matching('a - b', ['a - b', 'a b'])).toEqual(['a - b']);
  });

  it('matches a %regular expression%', () => {
    expect(matching('%^(ERROR|WARN) db%', lines)).toEqual(['ERROR db down', 'WARN db slow']);
    expect(() => compileFilterPattern('%(%')).toThrow(FilterPatternError);
  });

  it('refuses an unclosed quote', () => {
    expect(() => compileFilterPattern('"open')).toThrow(FilterPatternError);
  });

  describe('JSON patterns', () => {
    const events = [
      '{"level":"error","latency":900,"user":{"id":7,"admin":true},"tags":["a","b"],"trace":null}',
      '{"level":"info","latency":20,"user":{"id":8,"admin":false}}',
      'not json at all',
      '[1,2,3]',
    ];
    it.each([
      ['{ $.level = "error" }', [0]],
      ['{ $.level = error }', [0]],
      ['{ $.level != "error" }', [1]],
      ['{ $.level = "err*" }', [0]],
      ['{ $.latency > 100 }', [0]],
      ['{ $.latency <= 20 }', [1]],
      ['{ $.latency = 900 }', [0]],
      ['{ $.user.id = 8 }', [1]],
      ['{ $.user.admin IS TRUE }', [0]],
      ['{ $.user.admin IS FALSE }', [1]],
      ['{ $.trace IS NULL }', [0]],
      ['{ $.trace NOT EXISTS }', [1]],
      ['{ $.tags[1] = "b" }', [0]],
      ['{ $.level = "info" || $.latency > 500 }', [0, 1]],
      ['{ ($.level = "info" || $.latency > 500) && $.user.id = 7 }', [0]],
      ['{$.level="info"&&$.latency<100}', [1]],
    ])('%s', (pattern, expected) => {
      expect(matching(pattern, events)).toEqual(expected.map((i) => events[i]));
    });

    it('refuses what does not parse', () => {
      for (const bad of ['{ $.a = }', '{ level = 1 }', '{ $.a = 1', '{ $.a ~ 1 }', '{ $.a IS MAYBE }']) {
        expect(() => compileFilterPattern(bad)).toThrow(FilterPatternError);
      }
    });
  });

  describe('space-delimited patterns', () => {
    const access = [
      '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534',
      '127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] "GET /images/blue.gif HTTP/1.0" 200 2324',
      '10.0.0.9 - - [10/Oct/2000:13:50:35 -0700] "GET /index.html HTTP/1.0" 200 6000',
    ];
    it.each([
      ['[ip, user, username, timestamp, request, status_code, bytes]', [0, 1, 2]],
      ['[ip, user, username, timestamp, request, status_code = 404, bytes]', [0]],
      ['[ip, user, username, timestamp, request = "*.html*", status_code, bytes > 5000]', [2]],
      ['[ip = 127.0.0.*, ...]', [0, 1]],
      ['[..., status_code = 2*, bytes]', [1, 2]],
      ['[ip, ..., status_code = 404 || status_code = 200, bytes < 2000]', [0]],
      ['[a, b]', []],
    ])('%s', (pattern, expected) => {
      expect(matching(pattern, access)).toEqual(expected.map((i) => access[i]));
    });

    it('refuses what does not parse', () => {
      expect(() => compileFilterPattern('[a, b')).toThrow(FilterPatternError);
      expect(() => compileFilterPattern('[a = ]')).toThrow(FilterPatternError);
    });
  });
});
