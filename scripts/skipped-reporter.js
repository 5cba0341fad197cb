// A node:test reporter (used by scripts/test.js next to spec): one JSON line
// per test or suite that was skipped or left as todo, with its reason, so
// that the run can list them and fail in CI, where nothing may be skipped.
export default async function* skippedReporter(source) {
  for await (const { type, data } of source) {
    if ((type === 'test:pass' || type === 'test:fail') && (data.skip !== undefined || data.todo !== undefined)) {
      const what = data.skip !== undefined ? 'skipped' : 'todo';
      const reason = data.skip ?? data.todo;
      yield `${JSON.stringify({ what, name: data.name, file: data.file, line: data.line, reason: typeof reason === 'string' ? reason : '' })}\n`;
    }
  }
}
