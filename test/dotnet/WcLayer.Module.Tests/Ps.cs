// Small helpers to read PowerShell output objects in assertions.

using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace WcLayer.Module.Tests
{
    public static class Ps
    {
        /// <summary>A property's value, unwrapped from its PSObject; fails when the property does not exist.</summary>
        public static object Get(PSObject o, string name)
        {
            PSPropertyInfo p = o.Properties[name];
            if (p == null) throw new Xunit.Sdk.XunitException("no property " + name + " on " + string.Join(",", o.TypeNames) + " (has " + string.Join(", ", o.Properties.Select(x => x.Name)) + ")");
            return p.Value is PSObject w && !(w.BaseObject is PSCustomObject) ? w.BaseObject : p.Value;
        }

        public static string Str(PSObject o, string name) => (string)Get(o, name);

        public static long Long(PSObject o, string name) => Convert.ToInt64(Get(o, name));

        /// <summary>A property holding a collection, as a list of its items (unwrapped).</summary>
        public static List<object> List(PSObject o, string name)
        {
            object v = Get(o, name);
            if (v == null) return new List<object>();
            if (v is string || !(v is IEnumerable e)) return new List<object> { v };
            // PSCustomObjects stay PSObjects: their properties live on the wrapper.
            return e.Cast<object>().Select(x => x is PSObject w && !(w.BaseObject is PSCustomObject) ? w.BaseObject : x).ToList();
        }

        public static void HasType(PSObject o, string typeName)
        {
            Assert.Equal(typeName, o.TypeNames[0]);
        }
    }
}
