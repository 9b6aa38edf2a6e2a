import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

describe('the lint rules that guard the layout', () => {
  it('refuses, inside lambdas/core, an import from the handlers, lib or local, and a promise nobody awaits', async () => {
    // Linted as if it were a file of lambdas/core (type-aware rules need a file of the project).
    const code = "import { ROUTES } from '../api/router.ts';\nexport function f(): number {\n  Promise.resolve(1);\n  return ROUTES.length;\n}\n";
    const [result] = await new ESLint().lintText(code, { filePath: 'lambdas/core/errors.ts' });
    const rules = result?.messages.map((m) => m.ruleId) ?? [];
    expect(rules).toContain('no-restricted-imports');
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
  });
});
