// Starts the real backend (node dist/src/cli/main.js serve --stdio) through the module's
// RpcClient and waits for responses the way the PowerShell polling loop does.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using WcLayer.Transport.V1;

namespace WcLayer.Transport.Tests
{
    public sealed class Backend : IDisposable
    {
        public readonly RpcClient Client;

        /// <summary>Notifications seen while waiting for responses, in arrival order.</summary>
        public readonly List<JsonElement> Notifications = new List<JsonElement>();

        private Backend(RpcClient client)
        {
            Client = client;
        }

        public static string RepoRoot { get { return WcLayer.TestSupport.RepoPaths.RepoRoot; } }

        public static string CliPath { get { return WcLayer.TestSupport.RepoPaths.CliPath; } }

        public static string NodePath { get { return WcLayer.TestSupport.RepoPaths.NodePath; } }

        /// <summary>A started backend. logLevel goes to WCLAYER_LOG_LEVEL.</summary>
        public static Backend Start(string logLevel, int stderrCapacity)
        {
            RpcClient client = new RpcClient(NodePath, "\"" + CliPath + "\" serve --stdio", RepoRoot, stderrCapacity);
            client.StartInfo.EnvironmentVariables["WCLAYER_LOG_LEVEL"] = logLevel;
            client.Start();
            return new Backend(client);
        }

        public static Backend Start()
        {
            return Start("info", 200);
        }

        /// <summary>Sends a request and waits for its response; notifications go to Notifications.</summary>
        public JsonElement Call(string method, string paramsJson)
        {
            long id = Client.SendRequest(method, paramsJson);
            return WaitResponse(id, 30000);
        }

        /// <summary>The response frame for id. Throws TimeoutException, or IOException when the backend ended.</summary>
        public JsonElement WaitResponse(long id, int timeoutMs)
        {
            DateTime deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
            while (DateTime.UtcNow < deadline)
            {
                string frame = Client.TryTake(100);
                if (frame == null)
                {
                    if (!Client.IsAlive && Client.PendingFrames == 0)
                        throw new IOException("backend ended while waiting for response " + id + ": " + string.Join("\n", Client.GetStderrTail()));
                    continue;
                }
                JsonElement message = Parse(frame);
                JsonElement idElement;
                if (message.TryGetProperty("id", out idElement) && !message.TryGetProperty("method", out idElement))
                {
                    if (message.GetProperty("id").GetInt64() == id) return message;
                    continue; // a late answer to an earlier request
                }
                Notifications.Add(message);
            }
            throw new TimeoutException("no response to request " + id + " within " + timeoutMs + " ms");
        }

        /// <summary>Waits for the next notification (a frame with a method and no id).</summary>
        public JsonElement WaitNotification(int timeoutMs)
        {
            DateTime deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
            while (DateTime.UtcNow < deadline)
            {
                string frame = Client.TryTake(100);
                if (frame == null) continue;
                JsonElement message = Parse(frame);
                JsonElement ignored;
                if (message.TryGetProperty("method", out ignored) && !message.TryGetProperty("id", out ignored)) return message;
                throw new InvalidOperationException("expected a notification, got " + frame);
            }
            throw new TimeoutException("no notification within " + timeoutMs + " ms");
        }

        public static JsonElement Parse(string json)
        {
            using (JsonDocument doc = JsonDocument.Parse(json))
            {
                return doc.RootElement.Clone();
            }
        }

        public void Dispose()
        {
            Client.Close(2000);
            Client.Dispose();
        }
    }
}
