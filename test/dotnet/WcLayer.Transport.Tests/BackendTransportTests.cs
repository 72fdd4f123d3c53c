// The module's RpcClient against the real Node backend: handshake, errors, progress,
// cancellation, streamed items, stderr, process exit, multi-byte text. Also measures the cold
// start and the ping round trip (lines starting "timing:" in the output).

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using WcLayer.Transport.V1;
using Xunit;
using Xunit.Abstractions;

namespace WcLayer.Transport.Tests
{
    public class BackendTransportTests
    {
        private readonly ITestOutputHelper output;

        public BackendTransportTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        internal static JsonElement Result(JsonElement response)
        {
            JsonElement error;
            if (response.TryGetProperty("error", out error)) throw new Xunit.Sdk.XunitException("unexpected error response: " + response.GetRawText());
            return response.GetProperty("result");
        }

        internal static JsonElement Error(JsonElement response)
        {
            JsonElement error;
            if (!response.TryGetProperty("error", out error)) throw new Xunit.Sdk.XunitException("expected an error, got " + response.GetRawText());
            return error;
        }

        internal static double Median(List<double> values)
        {
            values.Sort();
            int n = values.Count;
            return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
        }

        [Fact]
        public void StderrFillsABoundedRingBuffer()
        {
            using (Backend b = Backend.Start("debug", 5))
            {
                for (int i = 0; i < 12; i++) Result(b.Call("backend/ping", "{}"));
                // Stderr comes on its own thread: give it a moment to catch up.
                DateTime deadline = DateTime.UtcNow.AddSeconds(5);
                while (b.Client.StderrLineCount < 13 && DateTime.UtcNow < deadline) Thread.Sleep(20);
                Assert.True(b.Client.StderrLineCount >= 13, "lines read: " + b.Client.StderrLineCount);
                string[] tail = b.Client.GetStderrTail();
                Assert.Equal(5, tail.Length);
                Assert.Contains("backend/ping", tail[tail.Length - 1]);
                string[] fresh = b.Client.TakeNewStderr();
                Assert.Equal(5, fresh.Length); // only what the buffer still holds
                Assert.Empty(b.Client.TakeNewStderr());
                Result(b.Call("backend/ping", "{}"));
                deadline = DateTime.UtcNow.AddSeconds(5);
                string[] more = new string[0];
                while (more.Length == 0 && DateTime.UtcNow < deadline) { Thread.Sleep(20); more = b.Client.TakeNewStderr(); }
                Assert.Single(more);
                Assert.Contains("backend/ping done", more[0]);
            }
        }

        [Fact]
        public void StartupLogLineReachesTheBuffer()
        {
            using (Backend b = Backend.Start())
            {
                Result(b.Call("initialize", "{}"));
                DateTime deadline = DateTime.UtcNow.AddSeconds(5);
                while (b.Client.StderrLineCount == 0 && DateTime.UtcNow < deadline) Thread.Sleep(20);
                Assert.Contains("backend ready", string.Join("\n", b.Client.GetStderrTail()));
            }
        }

        [Fact]
        public void ShutdownThenExitEndsTheProcessWithCodeZero()
        {
            using (Backend b = Backend.Start())
            {
                Assert.Equal(JsonValueKind.Null, Result(b.Call("shutdown", "{}")).ValueKind);
                b.Client.SendNotification("exit", null);
                Assert.True(b.Client.WaitForExit(20000));
                Assert.True(b.Client.HasExited);
                Assert.Equal((int?)0, b.Client.ExitCode);
                DateTime deadline = DateTime.UtcNow.AddSeconds(5);
                while (!b.Client.StdoutClosed && DateTime.UtcNow < deadline) Thread.Sleep(20);
                Assert.True(b.Client.StdoutClosed);
                Assert.Null(b.Client.ReadError);
                Assert.False(b.Client.IsAlive);
                Assert.Null(b.Client.TryTake(50));
                Assert.Throws<IOException>(delegate
                {
                    // The first write may land in the pipe buffer before the OS notices; the next fails.
                    for (int i = 0; i < 100; i++) { b.Client.SendRequest("backend/ping", "{}"); Thread.Sleep(10); }
                });
            }
        }

        [Fact]
        public void CloseEndsTheBackendThroughStdinEof()
        {
            Backend b = Backend.Start();
            Result(b.Call("backend/ping", "{}"));
            Assert.True(b.Client.Close(20000), "the backend exits by itself when stdin closes");
            Assert.True(b.Client.HasExited);
            Assert.Equal((int?)0, b.Client.ExitCode);
            b.Client.Dispose();
        }

        [Fact]
        public void DisposeIsIdempotentAndKeepsTheExitCode()
        {
            // The module may Kill, Close and Dispose one client from several cleanup paths.
            Backend b = Backend.Start();
            Result(b.Call("backend/ping", "{}"));
            b.Client.Kill();
            b.Client.Dispose();
            b.Client.Dispose();
            Assert.True(b.Client.Close(0));
            b.Client.Kill();
            Assert.True(b.Client.HasExited);
            Assert.False(b.Client.IsAlive);
            Assert.NotNull(b.Client.ExitCode);
            Assert.NotEqual((int?)0, b.Client.ExitCode);
            Assert.True(b.Client.WaitForExit(0));
            Assert.Throws<ObjectDisposedException>(delegate { b.Client.Send("{}"); });
        }

        [Fact]
        public void ACrashDuringARequestIsDetected()
        {
            using (Backend b = Backend.Start())
            {
                long id = b.Client.SendRequest("backend/wait", "{\"steps\":500,\"stepMs\":20,\"progressToken\":\"k\"}");
                b.WaitNotification(30000);
                // What the PowerShell loop sees when the process dies: no response, then IsAlive false.
                Process.GetProcessById(b.Client.ProcessId).Kill();
                IOException ex = Assert.Throws<IOException>(delegate { b.WaitResponse(id, 30000); });
                Assert.Contains("backend ended", ex.Message);
                Assert.True(b.Client.HasExited);
                Assert.NotEqual((int?)0, b.Client.ExitCode);
                Assert.False(b.Client.IsAlive);
            }
        }

        [Fact]
        public void AFailingStartIsReported()
        {
            RpcClient client = new RpcClient(Backend.NodePath, "-e \"process.stderr.write('boom\\n'); process.exit(3)\"", Backend.RepoRoot, 10);
            client.Start();
            Assert.True(client.WaitForExit(30000));
            DateTime deadline = DateTime.UtcNow.AddSeconds(5);
            while ((!client.StdoutClosed || client.StderrLineCount == 0) && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.Equal((int?)3, client.ExitCode);
            Assert.True(client.StdoutClosed);
            Assert.Equal(new List<string> { "boom" }, new List<string>(client.GetStderrTail()));
            client.Dispose();
        }

        [Fact]
        public void GarbageOnStdoutIsAReadErrorNotAHang()
        {
            RpcClient client = new RpcClient(Backend.NodePath, "-e \"console.log('not a frame'); setTimeout(function () {}, 3000)\"", Backend.RepoRoot, 10);
            client.Start();
            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            while (!client.StdoutClosed && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.True(client.StdoutClosed);
            Assert.Contains("InvalidDataException", client.ReadError);
            Assert.False(client.IsAlive);
            client.Close(0);
            Assert.True(client.HasExited);
            client.Dispose();
        }
    }
    /// <summary>One backend for the tests that leave it running: fewer cold starts.</summary>
    public sealed class SharedBackendFixture : IDisposable
    {
        public readonly Backend Backend = Backend.Start();

        public void Dispose()
        {
            Backend.Dispose();
        }
    }

    public class SharedBackendTests : IClassFixture<SharedBackendFixture>
    {
        private readonly ITestOutputHelper output;
        private readonly SharedBackendFixture fixture;

        public SharedBackendTests(SharedBackendFixture fixture, ITestOutputHelper output)
        {
            this.fixture = fixture;
            this.output = output;
        }

        private Backend Fresh()
        {
            fixture.Backend.Notifications.Clear();
            Assert.True(fixture.Backend.Client.IsAlive, "an earlier test left the shared backend dead");
            return fixture.Backend;
        }

        private static JsonElement Result(JsonElement response)
        {
            return BackendTransportTests.Result(response);
        }

        private static JsonElement Error(JsonElement response)
        {
            return BackendTransportTests.Error(response);
        }

        [Fact]
        public void RequestIdsIncreaseAndResponsesMatchThem()
        {
            Backend b = Fresh();
            {
                long first = b.Client.SendRequest("backend/ping", "{}");
                long second = b.Client.SendRequest("backend/ping", "{}");
                Assert.Equal(first + 1, second);
                // Waiting for the second skips the answer to the first.
                Assert.Equal(second, b.WaitResponse(second, 30000).GetProperty("id").GetInt64());
            }
        }

        [Fact]
        public void UnknownMethodIsAnErrorFrame()
        {
            Backend b = Fresh();
            {
                JsonElement e = Error(b.Call("nosuch/method", "{}"));
                Assert.Equal(-32601, e.GetProperty("code").GetInt32());
                Assert.Contains("nosuch/method", e.GetProperty("message").GetString());
                // The backend keeps serving.
                Assert.True(Result(b.Call("backend/ping", "{}")).GetProperty("pong").GetBoolean());
            }
        }

        [Fact]
        public void BadParamsNameTheParameter()
        {
            Backend b = Fresh();
            {
                JsonElement e = Error(b.Call("backend/wait", "{\"steps\":\"many\"}"));
                Assert.Equal(-32602, e.GetProperty("code").GetInt32());
                Assert.Equal("InvalidArgument", e.GetProperty("data").GetProperty("code").GetString());
                Assert.Equal("steps", e.GetProperty("data").GetProperty("parameter").GetString());
                Assert.Contains("steps", e.GetProperty("message").GetString());
            }
        }

        [Fact]
        public void ProgressArrivesBeforeTheResponse()
        {
            Backend b = Fresh();
            {
                JsonElement r = Result(b.Call("backend/wait", "{\"steps\":4,\"stepMs\":120,\"progressToken\":\"p-1\"}"));
                Assert.Equal(4, r.GetProperty("steps").GetInt32());
                List<string> kinds = new List<string>();
                foreach (JsonElement n in b.Notifications)
                {
                    Assert.Equal("$/progress", n.GetProperty("method").GetString());
                    Assert.Equal("p-1", n.GetProperty("params").GetProperty("token").GetString());
                    kinds.Add(n.GetProperty("params").GetProperty("value").GetProperty("kind").GetString());
                }
                Assert.True(kinds.Count >= 3, "begin, at least one report, end: got " + string.Join(",", kinds));
                Assert.Equal("begin", kinds[0]);
                Assert.Equal("end", kinds[kinds.Count - 1]);
                Assert.Contains("report", kinds);
                JsonElement last = b.Notifications[b.Notifications.Count - 1].GetProperty("params").GetProperty("value");
                Assert.Equal(4, last.GetProperty("entriesDone").GetInt32());
            }
        }

        [Fact]
        public void CancelRequestAnswersMinus32800AndTheBackendStaysUsable()
        {
            Backend b = Fresh();
            {
                long id = b.Client.SendRequest("backend/wait", "{\"steps\":500,\"stepMs\":20,\"progressToken\":\"c-1\"}");
                JsonElement first = b.WaitNotification(30000);
                Assert.Equal("$/progress", first.GetProperty("method").GetString());
                Stopwatch watch = Stopwatch.StartNew();
                b.Client.CancelRequest(id);
                JsonElement e = Error(b.WaitResponse(id, 15000));
                watch.Stop();
                Assert.Equal(-32800, e.GetProperty("code").GetInt32());
                Assert.Equal("Cancelled", e.GetProperty("data").GetProperty("code").GetString());
                output.WriteLine("timing: $/cancelRequest to -32800 reply: {0:F0} ms", watch.Elapsed.TotalMilliseconds);
                Assert.True(Result(b.Call("backend/ping", "{}")).GetProperty("pong").GetBoolean());
                Assert.True(b.Client.IsAlive);
            }
        }

        [Fact]
        public void WaitForResponseDrainsACancelledRequest()
        {
            // What the module's finally block does after Ctrl+C, with method calls only.
            Backend b = Fresh();
            {
                long id = b.Client.SendRequest("backend/wait", "{\"steps\":500,\"stepMs\":20,\"progressToken\":\"w\"}");
                b.WaitNotification(30000);
                b.Client.CancelRequest(id);
                Assert.True(b.Client.WaitForResponse(id, 15000));
                Assert.True(Result(b.Call("backend/ping", "{}")).GetProperty("pong").GetBoolean());
                Assert.Empty(b.Notifications); // the cancelled request's progress was dropped, nothing else came
                Stopwatch watch = Stopwatch.StartNew();
                Assert.False(b.Client.WaitForResponse(id + 1000, 300));
                Assert.True(watch.ElapsedMilliseconds >= 250);
            }
        }

        [Fact]
        public void ItemsStreamAsNotificationsBeforeTheSummary()
        {
            const string text = "Grüße 😀";
            Backend b = Fresh();
            {
                JsonElement r = Result(b.Call("backend/echo", "{\"text\":" + RpcClient.JsonString(text) + ",\"count\":600,\"itemToken\":\"i-1\"}"));
                Assert.Equal(600, r.GetProperty("count").GetInt32());
                int batches = 0;
                int next = 0;
                foreach (JsonElement n in b.Notifications)
                {
                    Assert.Equal("$/items", n.GetProperty("method").GetString());
                    Assert.Equal("i-1", n.GetProperty("params").GetProperty("token").GetString());
                    batches++;
                    foreach (JsonElement item in n.GetProperty("params").GetProperty("items").EnumerateArray())
                    {
                        Assert.Equal(next++, item.GetProperty("index").GetInt32());
                        Assert.Equal(text, item.GetProperty("text").GetString());
                    }
                }
                Assert.Equal(600, next);
                Assert.True(batches >= 3, "600 items come in several batches, got " + batches);
            }
        }

        [Fact]
        public void MultiByteTextSurvivesBothWays()
        {
            // Content-Length counts bytes: a char count would cut these frames short.
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 20000; i++) big.Append("ü日😀");
            string[] texts = new string[] { "Grüße", "日本語のパス\\レイヤー", "emoji 😀🎉", big.ToString() };
            Backend b = Fresh();
            {
                foreach (string text in texts)
                {
                    JsonElement r = Result(b.Call("backend/echo", "{\"text\":" + RpcClient.JsonString(text) + "}"));
                    Assert.Equal(text, r.GetProperty("text").GetString());
                }
                // The error path echoes too: an unknown multi-byte parameter name.
                JsonElement e = Error(b.Call("backend/ping", "{\"schlüssel😀\":1}"));
                Assert.Equal("schlüssel😀", e.GetProperty("data").GetProperty("parameter").GetString());
            }
        }

    }
    [CollectionDefinition("Timing", DisableParallelization = true)]
    public class TimingCollection
    {
    }

    /// <summary>The measurements: run alone, after the parallel tests, so they time one backend.</summary>
    [Collection("Timing")]
    public class TimingTests
    {
        private readonly ITestOutputHelper output;

        public TimingTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        private static JsonElement Result(JsonElement response)
        {
            return BackendTransportTests.Result(response);
        }

        private static double Median(List<double> values)
        {
            return BackendTransportTests.Median(values);
        }

        [Fact]
        public void HandshakeReportsVersionsAndMeasuresColdStart()
        {
            Stopwatch watch = Stopwatch.StartNew();
            using (Backend b = Backend.Start())
            {
                JsonElement r = Result(b.Call("initialize", "{\"clientName\":\"xunit\",\"protocolVersion\":\"1.0\"}"));
                watch.Stop();
                Assert.Equal("1.0", r.GetProperty("protocolVersion").GetString());
                Assert.Equal(b.Client.ProcessId, r.GetProperty("pid").GetInt32());
                Assert.StartsWith("v", r.GetProperty("node").GetString());
                List<string> methods = new List<string>();
                foreach (JsonElement m in r.GetProperty("capabilities").GetProperty("methods").EnumerateArray()) methods.Add(m.GetString());
                Assert.Contains("backend/ping", methods);
                Assert.Contains("shutdown", methods);
                Assert.True(b.Client.IsAlive);
                output.WriteLine("timing: backend cold start (process start to initialize answered): {0:F0} ms", watch.Elapsed.TotalMilliseconds);
            }
        }

        [Fact]
        public void PingRoundTripOver100Calls()
        {
            using (Backend b = Backend.Start())
            {
                Result(b.Call("initialize", "{}"));
                Result(b.Call("backend/ping", "{}")); // warm up
                List<double> times = new List<double>();
                for (int i = 0; i < 100; i++)
                {
                    Stopwatch watch = Stopwatch.StartNew();
                    JsonElement r = Result(b.Call("backend/ping", "{}"));
                    watch.Stop();
                    Assert.True(r.GetProperty("pong").GetBoolean());
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }
                double median = Median(times);
                output.WriteLine("timing: backend/ping round trip over 100 calls: median {0:F3} ms, max {1:F3} ms", median, times[times.Count - 1]);
            }
        }
    }
}
