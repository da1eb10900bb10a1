// Lint: correctness rules from typescript-eslint, plus the layer boundaries of DESIGN.md, which
// no type checker enforces: only src/store talks to TypeORM, and src/scim/protocol stays pure RFC code.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const TYPEORM = { group: ["typeorm", "typeorm/*"], message: "Only src/store imports TypeORM (DESIGN.md, layers)." };
const DRIVERS = { group: ["pg", "@electric-sql/*"], message: "Database drivers belong to src/store." };

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "data/", "coverage/", ".tmp/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setImmediate: "readonly", AbortController: "readonly", fetch: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/store/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [TYPEORM, DRIVERS] }] },
  },
  {
    files: ["src/scim/protocol/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            TYPEORM,
            DRIVERS,
            { group: ["../../*", "../../../*", "!../../scim/protocol/*"], message: "src/scim/protocol is pure RFC code: it imports nothing else from src/." },
            { group: ["express", "pino", "ajv"], message: "src/scim/protocol is pure RFC code: no framework imports." },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
