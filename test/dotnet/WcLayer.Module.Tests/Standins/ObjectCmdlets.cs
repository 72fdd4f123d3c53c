// Stand-ins for New-Object, Add-Member, Select-Object and Sort-Object
// (Microsoft.PowerShell.Utility, not on the package feed).

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Internal;

namespace WcLayer.Module.Tests.Standins
{
    /// <summary>
    /// Stand-in for New-Object [-TypeName] [[-ArgumentList]] (.NET types only; no -ComObject,
    /// -Property, -Strict). The type name is resolved by the engine's type conversion (type
    /// accelerators, loaded assemblies) and the constructor is chosen by the engine's own method
    /// binder through [type]::new, which is the binder the real New-Object uses.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "Object")]
    public sealed class NewObjectStandin : PSCmdlet
    {
        // The new object goes into a list (a method argument), not to the script's output, which
        // would enumerate a collection the constructor made (an empty Queue would vanish).
        private static readonly ScriptBlock Construct = ScriptBlock.Create("param([type] $t, [object[]] $a, $box) if ($null -eq $a) { $box.Add($t::new()) } else { $box.Add($t::new.Invoke($a)) }");

        [Parameter(Position = 0, Mandatory = true)]
        public string TypeName { get; set; }

        [Parameter(Position = 1)]
        [Alias("Args")]
        public object[] ArgumentList { get; set; }

        protected override void EndProcessing()
        {
            Type type;
            try
            {
                type = (Type)LanguagePrimitives.ConvertTo(TypeName, typeof(Type), CultureInfo.InvariantCulture);
            }
            catch (PSInvalidCastException e)
            {
                ThrowTerminatingError(new ErrorRecord(new PSArgumentException("Cannot find type [" + TypeName + "]: verify that the assembly containing this type is loaded.", e), "TypeNotFound", ErrorCategory.InvalidType, TypeName));
                return;
            }
            try
            {
                var box = new List<object>();
                InvokeCommand.InvokeScript(false, Construct, null, type, ArgumentList, box);
                WriteObject(box.Single());
            }
            catch (RuntimeException e)
            {
                Exception inner = e.InnerException is MethodInvocationException m && m.InnerException != null ? m.InnerException : e;
                ThrowTerminatingError(new ErrorRecord(inner, "ConstructorInvokedThrowException", ErrorCategory.InvalidOperation, null));
            }
        }
    }

    /// <summary>Stand-in for Add-Member -InputObject -NotePropertyName -NotePropertyValue [-Force] (no -PassThru, -MemberType ...).</summary>
    [Cmdlet(VerbsCommon.Add, "Member", DefaultParameterSetName = "NotePropertySingleMemberSet")]
    public sealed class AddMemberStandin : PSCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public PSObject InputObject { get; set; }

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "NotePropertySingleMemberSet")]
        [ValidateNotNullOrEmpty]
        public string NotePropertyName { get; set; }

        [Parameter(Mandatory = true, Position = 1, ParameterSetName = "NotePropertySingleMemberSet")]
        [AllowNull]
        public object NotePropertyValue { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            PSMemberInfo existing = InputObject.Members[NotePropertyName];
            if (existing != null)
            {
                if (!Force)
                {
                    WriteError(new ErrorRecord(new InvalidOperationException("Cannot add a member with the name \"" + NotePropertyName + "\" because a member with that name already exists. To overwrite the member anyway, add the Force parameter to your command."), "MemberAlreadyExists", ErrorCategory.InvalidOperation, InputObject));
                    return;
                }
                // Like the real -Force: a note property added to the object is replaced; a
                // member of the type itself cannot be.
                if (!(existing is PSNoteProperty))
                {
                    WriteError(new ErrorRecord(new InvalidOperationException("Cannot force the member \"" + NotePropertyName + "\" to be replaced: it is not a note property."), "CannotRemoveTypeDataMember", ErrorCategory.InvalidOperation, InputObject));
                    return;
                }
                InputObject.Properties.Remove(NotePropertyName);
            }
            InputObject.Properties.Add(new PSNoteProperty(NotePropertyName, NotePropertyValue));
        }
    }

    /// <summary>
    /// Stand-in for Select-Object -First N | -Last N (no -Property, -Skip, -Unique ...). Not
    /// faithful in one way: the real -First stops the upstream commands once it has N objects;
    /// here the upstream runs to its end and the extra objects are dropped.
    /// </summary>
    [Cmdlet(VerbsCommon.Select, "Object")]
    public sealed class SelectObjectStandin : PSCmdlet
    {
        private readonly Queue<PSObject> last = new Queue<PSObject>();
        private int firstCount;

        [Parameter(ValueFromPipeline = true)]
        public PSObject InputObject { get; set; } = AutomationNull.Value as PSObject;

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int First { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int Last { get; set; }

        protected override void BeginProcessing()
        {
            if (!MyInvocation.BoundParameters.ContainsKey("First") && !MyInvocation.BoundParameters.ContainsKey("Last"))
            {
                ThrowTerminatingError(new ErrorRecord(new PSNotSupportedException("the Select-Object stand-in supports only -First and -Last"), "StandinUnsupported", ErrorCategory.NotImplemented, null));
            }
        }

        protected override void ProcessRecord()
        {
            if (InputObject == null || InputObject == AutomationNull.Value) return;
            if (MyInvocation.BoundParameters.ContainsKey("First"))
            {
                if (firstCount < First) { firstCount++; WriteObject(InputObject); }
                return;
            }
            last.Enqueue(InputObject);
            while (last.Count > Last) last.Dequeue();
        }

        protected override void EndProcessing()
        {
            foreach (PSObject o in last) WriteObject(o);
        }
    }

    /// <summary>
    /// Stand-in for Sort-Object [-Property] names (no script blocks or hashtables, -Descending,
    /// -Unique ...). Stable, ascending, compared like the real one: LanguagePrimitives.Compare,
    /// case-insensitive, current culture.
    /// </summary>
    [Cmdlet("Sort", "Object")]
    public sealed class SortObjectStandin : PSCmdlet
    {
        private readonly List<PSObject> items = new List<PSObject>();

        [Parameter(Position = 0)]
        public object[] Property { get; set; }

        [Parameter(ValueFromPipeline = true)]
        public PSObject InputObject { get; set; } = AutomationNull.Value as PSObject;

        protected override void BeginProcessing()
        {
            foreach (object p in Property ?? Array.Empty<object>())
            {
                object raw = p is PSObject pso ? pso.BaseObject : p;
                if (!(raw is string)) ThrowTerminatingError(new ErrorRecord(new PSNotSupportedException("the Sort-Object stand-in sorts by property names only"), "StandinUnsupported", ErrorCategory.NotImplemented, p));
            }
        }

        protected override void ProcessRecord()
        {
            if (InputObject != null && InputObject != AutomationNull.Value) items.Add(InputObject);
        }

        protected override void EndProcessing()
        {
            string[] names = (Property ?? Array.Empty<object>()).Select(p => (string)(p is PSObject pso ? pso.BaseObject : p)).ToArray();
            Func<PSObject, object[]> key = o => names.Length == 0 ? new object[] { o.BaseObject } : names.Select(n => o.Properties[n]?.Value).ToArray();
            IComparer<object[]> comparer = Comparer<object[]>.Create((a, b) =>
            {
                for (int i = 0; i < a.Length; i++)
                {
                    int c = LanguagePrimitives.Compare(a[i], b[i], true, CultureInfo.CurrentCulture);
                    if (c != 0) return c;
                }
                return 0;
            });
            foreach (PSObject o in items.OrderBy(key, comparer)) WriteObject(o);
        }
    }
}
