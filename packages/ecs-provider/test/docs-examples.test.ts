import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** The commands of a Markdown file's sh blocks, continuation lines joined. */
function shellCommands(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n')).filter((l) => l.trim());
}

describe('the web-and-task example', () => {
  it('passes --endpoint-url to every aws command: AWS CLI before 2.13 ignores AWS_ENDPOINT_URL', () => {
    const commands = shellCommands(path.join(root, 'docs/examples/web-and-task/README.md'));
    const aws = commands.filter((line) => /(^|\$\(|\s)aws\s/.test(line));
    expect(aws.length).toBeGreaterThan(5);
    expect(aws.filter((line) => !line.includes('--endpoint-url http://localhost:4566'))).toEqual([]);
  });
});
