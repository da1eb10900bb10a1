// The validator package ships JavaScript without type declarations (STACK.md §4).
declare module "@authenio/samlify-xmllint-wasm" {
  export function validate(xml: string): Promise<string>;
}
