// tree-sitter-powershell ships no type declarations; its default export is the grammar object
// that tree-sitter's Parser.setLanguage takes.
declare module 'tree-sitter-powershell' {
  const language: unknown;
  export default language;
}
