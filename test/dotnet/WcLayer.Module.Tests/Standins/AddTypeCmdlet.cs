// Stand-in for Add-Type -Path <file.cs> (Microsoft.PowerShell.Utility, not on the package feed).
// Like the real PowerShell 7 Add-Type it compiles C# with Roslyn (Microsoft.CodeAnalysis.CSharp
// from NuGet) against the assemblies of the running .NET and the engine, in memory, and loads the
// result into the process. Not faithful: only C# files, no -TypeDefinition/-MemberDefinition/
// -AssemblyName/-ReferencedAssemblies/-OutputAssembly; compiler warnings are ignored (the real
// one reports them only with -IgnoreWarnings absent as warnings, never as errors either).

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace WcLayer.Module.Tests.Standins
{
    [Cmdlet(VerbsCommon.Add, "Type", DefaultParameterSetName = "FromPath")]
    public sealed class AddTypeStandin : PSCmdlet
    {
        private static readonly Lazy<MetadataReference[]> References = new Lazy<MetadataReference[]>(() =>
        {
            var paths = new HashSet<string>(((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
            paths.Add(typeof(PSObject).Assembly.Location);
            return paths.Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
        });

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "FromPath")]
        public string[] Path { get; set; }

        protected override void EndProcessing()
        {
            var trees = new List<SyntaxTree>();
            foreach (string p in Path)
            {
                string file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                if (!string.Equals(System.IO.Path.GetExtension(file), ".cs", StringComparison.OrdinalIgnoreCase))
                {
                    ThrowTerminatingError(new ErrorRecord(new PSNotSupportedException("the Add-Type stand-in compiles .cs files only: " + file), "StandinUnsupported", ErrorCategory.NotImplemented, file));
                }
                trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(file), new CSharpParseOptions(LanguageVersion.Latest), file));
            }
            var compilation = CSharpCompilation.Create(
                "WcLayerAddType_" + Guid.NewGuid().ToString("N"),
                trees,
                References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
            using (var image = new MemoryStream())
            {
                EmitResult result = compilation.Emit(image);
                List<Diagnostic> errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                if (!result.Success || errors.Count > 0)
                {
                    foreach (Diagnostic d in errors) WriteError(new ErrorRecord(new InvalidOperationException(d.ToString()), "SOURCE_CODE_ERROR", ErrorCategory.InvalidData, d));
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("Cannot add type. Compilation errors occurred."), "COMPILER_ERRORS", ErrorCategory.InvalidData, null));
                }
                Assembly.Load(image.ToArray());
            }
        }
    }
}
