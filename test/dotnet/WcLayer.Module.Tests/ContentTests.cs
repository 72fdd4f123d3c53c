// Get-WcLayerContent on .tar, .tar.gz and .tar.zst: one typed object per entry, equal to what
// `wclayer tar ls --json` reports for the same file.

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class ContentTests
    {
        private readonly SampleData data;

        public ContentTests(SampleData data)
        {
            this.data = data;
        }

        private static void AssertSameEntries(List<JsonElement> expected, IList<PSObject> actual, string path)
        {
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                JsonElement e = expected[i];
                PSObject a = actual[i];
                Ps.HasType(a, "WcLayer.LayerEntry");
                string name = e.GetProperty("name").GetString();
                Assert.Equal(name, Ps.Str(a, "Name"));
                Assert.Equal(e.GetProperty("kind").GetString(), Ps.Str(a, "Kind"));
                Assert.Equal(e.GetProperty("size").GetInt64(), Ps.Get(a, "Size"));
                object attributes = Ps.Get(a, "Attributes");
                Assert.IsType<FileAttributes>(attributes);
                Assert.Equal(unchecked((int)e.GetProperty("attributes").GetUInt32()), (int)(FileAttributes)attributes);
                foreach (var (json, prop) in new[] { ("creationTimeRaw", "CreationTime"), ("lastWriteTimeRaw", "LastWriteTime") })
                {
                    object t = Ps.Get(a, prop);
                    if (e.TryGetProperty(json, out JsonElement raw))
                    {
                        DateTime dt = Assert.IsType<DateTime>(t);
                        Assert.Equal(DateTimeKind.Utc, dt.Kind);
                        Assert.Equal(long.Parse(raw.GetString()), dt.ToFileTimeUtc());
                    }
                    else
                    {
                        Assert.Null(t);
                    }
                }
                if (e.TryGetProperty("sddl", out JsonElement sddl)) Assert.Equal(sddl.GetString(), Ps.Str(a, "Sddl"));
                else Assert.Null(Ps.Get(a, "Sddl"));
                Assert.Equal(e.GetProperty("isWhiteout").GetBoolean(), Ps.Get(a, "IsWhiteout"));
                if (e.TryGetProperty("linkTarget", out JsonElement link)) Assert.Equal(link.GetString(), Ps.Str(a, "LinkTarget"));
                var streams = Ps.List(a, "Streams").Cast<object>().Select(s => PSObject.AsPSObject(s)).ToList();
                var expectedStreams = e.GetProperty("streams").EnumerateArray().ToList();
                Assert.Equal(expectedStreams.Count, streams.Count);
                for (int j = 0; j < streams.Count; j++)
                {
                    Assert.Equal(expectedStreams[j].GetProperty("name").GetString(), Ps.Str(streams[j], "Name"));
                    Assert.Equal(expectedStreams[j].GetProperty("size").GetInt64(), Ps.Get(streams[j], "Size"));
                }
                Assert.Equal(path, Ps.Str(a, "LayerPath"));
            }
        }

        [Fact]
        public void ListsTarTarGzAndTarZstLikeTheCli()
        {
            List<JsonElement> expected = Cli.JsonLines("tar", "ls", "--json", data.BaseTar);
            Assert.True(expected.Count > 300);
            Assert.Contains(expected, e => e.TryGetProperty("sddl", out _));
            foreach (string tar in new[] { data.BaseTar, data.BaseTarGz, data.BaseTarZst })
            {
                var entries = data.Shared.Invoke("Get-WcLayerContent -Path $args[0]", tar);
                AssertSameEntries(expected, entries, tar);
            }
        }

        [Fact]
        public void ChildLayerEntriesCarryStreamsWhiteoutsAndLinksLikeTheCli()
        {
            List<JsonElement> expected = Cli.JsonLines("tar", "ls", "--json", data.ChildTarGz);
            // The generator puts every kind of entry in a child layer: make sure they are here.
            Assert.Contains(expected, e => e.GetProperty("isWhiteout").GetBoolean());
            Assert.Contains(expected, e => e.GetProperty("streams").GetArrayLength() > 0);
            Assert.Contains(expected, e => e.TryGetProperty("linkTarget", out _));
            // By pipeline: a FileInfo from Get-Item binds through its FullName.
            var entries = data.Shared.Invoke("Get-Item -LiteralPath $args[0] | Get-WcLayerContent", data.ChildTarGz);
            AssertSameEntries(expected, entries, data.ChildTarGz);
            // The flags enum works with -band, as the README shows (Where-Object has no -band
            // parameter: the README once used one, which real PowerShell rejects).
            var reparse = data.Shared.Invoke("Get-WcLayerContent $args[0] | Where-Object { $_.Attributes -band [IO.FileAttributes]::ReparsePoint }", data.ChildTarGz);
            Assert.Equal(expected.Count(e => (e.GetProperty("attributes").GetUInt32() & 0x400) != 0), reparse.Count);
        }
    }
}
