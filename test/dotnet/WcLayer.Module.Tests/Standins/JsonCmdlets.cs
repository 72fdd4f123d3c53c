// Stand-ins for ConvertTo-Json and ConvertFrom-Json (Microsoft.PowerShell.Utility, not on the
// package feed). Like the real PowerShell 7 commands they are built on Newtonsoft.Json (which the
// engine package brings): ConvertFrom-Json turns objects into PSCustomObjects with note
// properties, arrays into object[], integers into Int64 (BigInteger when larger), ISO dates into
// DateTime; ConvertTo-Json writes dictionaries and PSCustomObjects as objects, collections as
// arrays, enums as numbers, -Compress on one line.
//
// Where the real commands would quietly do something lossy, these throw instead, so that a
// module bug cannot hide behind them: a graph deeper than -Depth (the real one cuts it off with
// a warning), an arbitrary .NET object that is not a PSCustomObject, dictionary, collection or
// primitive (the real one serializes all its properties), and a primitive value carrying ETS
// note properties (the real one turns it into an object with a "value" member).

using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Internal;
using System.Numerics;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace WcLayer.Module.Tests.Standins
{
    /// <summary>Stand-in for ConvertFrom-Json [-InputObject] (no -AsHashtable, -Depth, -NoEnumerate, -DateKind).</summary>
    [Cmdlet(VerbsData.ConvertFrom, "Json")]
    public sealed class ConvertFromJsonStandin : PSCmdlet
    {
        private readonly StringBuilder text = new StringBuilder();

        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
        [AllowEmptyString]
        public string InputObject { get; set; }

        protected override void ProcessRecord()
        {
            // The real command joins all pipeline input into one JSON text.
            text.Append(InputObject).Append('\n');
        }

        protected override void EndProcessing()
        {
            string json = text.ToString();
            if (string.IsNullOrWhiteSpace(json)) return;
            JToken token;
            try
            {
                using (var reader = new JsonTextReader(new System.IO.StringReader(json)) { DateParseHandling = DateParseHandling.DateTime, MaxDepth = 1024 })
                {
                    token = JToken.ReadFrom(reader);
                    if (reader.Read()) throw new JsonReaderException("Additional text encountered after finished reading JSON content");
                }
            }
            catch (JsonException e)
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("Conversion from JSON failed with error: " + e.Message, e), "System.ArgumentException", ErrorCategory.ParserError, null));
                return;
            }
            WriteObject(FromToken(token), true);
        }

        private static object FromToken(JToken token)
        {
            switch (token.Type)
            {
                case JTokenType.Object:
                    var o = new PSObject();
                    var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                    foreach (JProperty p in ((JObject)token).Properties())
                    {
                        if (p.Name.Length == 0) throw new InvalidOperationException("The provided JSON includes a property whose name is an empty string.");
                        if (!seen.Add(p.Name)) throw new InvalidOperationException("Cannot convert the JSON string because it contains keys with different casing: '" + p.Name + "'.");
                        o.Properties.Add(new PSNoteProperty(p.Name, FromToken(p.Value)));
                    }
                    return o;
                case JTokenType.Array:
                    var list = new List<object>();
                    foreach (JToken item in (JArray)token) list.Add(FromToken(item));
                    return list.ToArray();
                case JTokenType.Integer:
                    object v = ((JValue)token).Value;
                    return v is BigInteger ? v : Convert.ToInt64(v, CultureInfo.InvariantCulture);
                case JTokenType.Null:
                case JTokenType.Undefined:
                    return null;
                default:
                    return ((JValue)token).Value;
            }
        }
    }

    /// <summary>Stand-in for ConvertTo-Json [-InputObject] [-Depth] [-Compress] (no -AsArray, -EnumsAsStrings, -EscapeHandling).</summary>
    [Cmdlet(VerbsData.ConvertTo, "Json")]
    public sealed class ConvertToJsonStandin : PSCmdlet
    {
        private readonly List<object> inputs = new List<object>();

        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public object InputObject { get; set; }

        [Parameter]
        [ValidateRange(0, 100)]
        public int Depth { get; set; } = 2;

        [Parameter]
        public SwitchParameter Compress { get; set; }

        protected override void ProcessRecord() => inputs.Add(InputObject);

        protected override void EndProcessing()
        {
            // Like the real one: several pipeline inputs become one array.
            object graph = inputs.Count == 1 ? Convert(inputs[0], 0) : ConvertList(inputs, 0);
            var settings = new JsonSerializerSettings
            {
                Formatting = Compress ? Formatting.None : Formatting.Indented,
                DateFormatHandling = DateFormatHandling.IsoDateFormat,
                DateTimeZoneHandling = DateTimeZoneHandling.RoundtripKind,
                MaxDepth = 1024,
            };
            WriteObject(JsonConvert.SerializeObject(graph, settings));
        }

        private object ConvertList(IEnumerable items, int depth)
        {
            var list = new List<object>();
            foreach (object item in items) list.Add(Convert(item, depth + 1));
            return list;
        }

        private object Convert(object value, int depth)
        {
            if (value == null || value is DBNull || value == AutomationNull.Value) return null;
            PSObject wrapper = value as PSObject;
            object raw = wrapper != null ? wrapper.BaseObject : value;
            if (raw is PSCustomObject && wrapper != null) return ConvertCustom(wrapper, depth);
            if (raw is string || raw is char || raw is bool || raw is DateTime || raw is DateTimeOffset || raw is Guid || raw is Uri || raw is BigInteger
                || raw is byte || raw is sbyte || raw is short || raw is ushort || raw is int || raw is uint || raw is long || raw is ulong
                || raw is float || raw is double || raw is decimal || raw is Enum)
            {
                if (wrapper != null && HasInstanceNoteProperties(wrapper))
                {
                    throw new PSNotSupportedException("ConvertTo-Json stand-in: a " + raw.GetType().Name + " value with note properties would become an object; pass the plain value");
                }
                if (raw is char c) return c.ToString();
                if (raw is Guid || raw is Uri) return raw.ToString();
                if (raw is Enum e) return System.Convert.ChangeType(e, Enum.GetUnderlyingType(e.GetType()), CultureInfo.InvariantCulture);
                return raw;
            }
            if (depth >= Depth && (raw is IDictionary || raw is IEnumerable))
            {
                throw new PSNotSupportedException("ConvertTo-Json stand-in: the object is deeper than -Depth " + Depth + " (the real ConvertTo-Json would truncate it with a warning)");
            }
            if (raw is IDictionary dictionary)
            {
                var map = new Dictionary<string, object>();
                foreach (DictionaryEntry entry in dictionary) map[entry.Key.ToString()] = Convert(entry.Value, depth + 1);
                return map;
            }
            if (raw is IEnumerable enumerable) return ConvertList(enumerable, depth);
            throw new PSNotSupportedException("ConvertTo-Json stand-in: no conversion for a " + raw.GetType().FullName + " (the real ConvertTo-Json would write all its properties)");
        }

        private object ConvertCustom(PSObject o, int depth)
        {
            if (depth >= Depth) throw new PSNotSupportedException("ConvertTo-Json stand-in: the object is deeper than -Depth " + Depth + " (the real ConvertTo-Json would truncate it with a warning)");
            var map = new Dictionary<string, object>();
            foreach (PSPropertyInfo p in o.Properties) map[p.Name] = Convert(p.Value, depth + 1);
            return map;
        }

        private static bool HasInstanceNoteProperties(PSObject o)
        {
            foreach (PSMemberInfo m in o.Members)
            {
                if (m is PSNoteProperty && m.IsInstance) return true;
            }
            return false;
        }
    }
}
