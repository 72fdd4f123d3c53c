// The WcLayer module's transport to its Node.js backend: JSON-RPC frames
// ("Content-Length: N\r\n\r\n" + N bytes of UTF-8 JSON) over the child's stdin/stdout.
//
// Loaded with Add-Type by Windows PowerShell 5.1 (C# 5 compiler, .NET Framework 4.5+) and by
// PowerShell 7 (Roslyn, .NET 8+), so: C# 5 syntax only (no $"", ?., =>-members, nameof,
// getter-only auto-properties), and only types from mscorlib/System.dll that both runtimes have.
// No JSON library: this class moves framed UTF-8 strings; PowerShell does the JSON
// (ConvertTo-Json / ConvertFrom-Json). The only JSON it writes is the request envelope.
//
// Threads: a background thread reads frames from stdout into a queue, another drains stderr
// into a bounded ring buffer. PowerShell never blocks on the pipe: it polls TryTake with short
// waits, so Ctrl+C stays responsive and Write-Progress runs on the pipeline thread.
//
// Add-Type types cannot be unloaded or redefined in a process, so the namespace carries a
// version: change V1 to V2 whenever this file changes incompatibly.

using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;

namespace WcLayer.Transport.V1
{
    /// <summary>Reads Content-Length frames from a stream; never assumes one read is one frame.</summary>
    public sealed class FrameReader
    {
        public const int MaxHeaderLine = 8192;
        public const int MaxFrameBytes = 512 * 1024 * 1024;

        private readonly Stream stream;
        private readonly byte[] buffer = new byte[65536];
        private int position;
        private int count;
        private static readonly UTF8Encoding Utf8 = new UTF8Encoding(false, false);

        public FrameReader(Stream stream)
        {
            if (stream == null) throw new ArgumentNullException("stream");
            this.stream = stream;
        }

        /// <summary>The next frame's body, or null when the stream ends cleanly between frames.</summary>
        /// <exception cref="InvalidDataException">a malformed header</exception>
        /// <exception cref="EndOfStreamException">the stream ended inside a frame</exception>
        public string ReadFrame()
        {
            int length = -1;
            bool first = true;
            while (true)
            {
                string line = ReadHeaderLine(first);
                if (line == null) return null;
                first = false;
                if (line.Length == 0)
                {
                    if (length < 0) throw new InvalidDataException("frame header has no Content-Length");
                    break;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0) throw new InvalidDataException("malformed frame header line: " + Shorten(line));
                string name = line.Substring(0, colon).Trim();
                string value = line.Substring(colon + 1).Trim();
                if (string.Equals(name, "Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    long parsed;
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out parsed) || parsed > MaxFrameBytes)
                        throw new InvalidDataException("bad Content-Length: " + Shorten(value));
                    length = (int)parsed;
                }
                // Other headers (Content-Type) are allowed and ignored.
            }
            byte[] body = new byte[length];
            int filled = 0;
            int buffered = Math.Min(count - position, length);
            if (buffered > 0)
            {
                Buffer.BlockCopy(buffer, position, body, 0, buffered);
                position += buffered;
                filled = buffered;
            }
            while (filled < length)
            {
                int n = stream.Read(body, filled, length - filled);
                if (n <= 0) throw new EndOfStreamException("stream ended after " + filled + " of " + length + " body bytes");
                filled += n;
            }
            return Utf8.GetString(body);
        }

        // One header line without its CRLF. Null at a clean end of stream before a frame starts.
        private string ReadHeaderLine(bool frameStart)
        {
            StringBuilder line = new StringBuilder();
            bool sawCr = false;
            while (true)
            {
                if (position >= count)
                {
                    count = stream.Read(buffer, 0, buffer.Length);
                    position = 0;
                    if (count <= 0)
                    {
                        count = 0;
                        if (frameStart && line.Length == 0 && !sawCr) return null;
                        throw new EndOfStreamException("stream ended inside a frame header");
                    }
                }
                byte b = buffer[position++];
                if (sawCr)
                {
                    if (b == (byte)'\n') return line.ToString();
                    throw new InvalidDataException("frame header line has a CR without LF");
                }
                if (b == (byte)'\r') { sawCr = true; continue; }
                if (b < 0x20 || b > 0x7e) throw new InvalidDataException("frame header has a non-ASCII byte 0x" + b.ToString("x2", CultureInfo.InvariantCulture) + " (is something else writing to stdout?)");
                if (line.Length >= MaxHeaderLine) throw new InvalidDataException("frame header line too long");
                line.Append((char)b);
            }
        }

        private static string Shorten(string s)
        {
            return s.Length <= 80 ? s : s.Substring(0, 80) + "...";
        }

        /// <summary>One frame as bytes: ASCII header, then the UTF-8 body without BOM.</summary>
        public static byte[] Encode(string json)
        {
            byte[] body = Utf8.GetBytes(json);
            byte[] header = Encoding.ASCII.GetBytes("Content-Length: " + body.Length.ToString(CultureInfo.InvariantCulture) + "\r\n\r\n");
            byte[] frame = new byte[header.Length + body.Length];
            Buffer.BlockCopy(header, 0, frame, 0, header.Length);
            Buffer.BlockCopy(body, 0, frame, header.Length, body.Length);
            return frame;
        }
    }

    /// <summary>One backend process and the frames it sends.</summary>
    public sealed class RpcClient : IDisposable
    {
        private static readonly object LiveLock = new object();
        private static readonly List<RpcClient> Live = new List<RpcClient>();
        private static bool exitHookInstalled;

        private readonly ProcessStartInfo startInfo;
        private readonly BlockingCollection<string> frames = new BlockingCollection<string>();
        private readonly object writeLock = new object();
        private readonly object stderrLock = new object();
        private readonly Queue<string> stderrLines = new Queue<string>();
        private readonly int stderrCapacity;
        private long stderrTotal;
        private long stderrHandedOut;
        private Process process;
        private Stream stdin;
        private Thread stdoutThread;
        private Thread stderrThread;
        private long lastId;
        private volatile bool stdoutClosed;
        private volatile string readError;
        private DateTime startTime;
        private int processId;
        private int? exitCode;
        private bool disposed;

        public const int MaxStderrLineChars = 4000;

        /// <param name="fileName">the executable (node)</param>
        /// <param name="arguments">its command line, already quoted</param>
        /// <param name="workingDirectory">the child's working directory</param>
        /// <param name="stderrCapacity">how many stderr lines the ring buffer keeps</param>
        public RpcClient(string fileName, string arguments, string workingDirectory, int stderrCapacity)
        {
            if (string.IsNullOrEmpty(fileName)) throw new ArgumentException("fileName is required", "fileName");
            startInfo = new ProcessStartInfo(fileName, arguments ?? "");
            if (!string.IsNullOrEmpty(workingDirectory)) startInfo.WorkingDirectory = workingDirectory;
            this.stderrCapacity = Math.Max(1, stderrCapacity);
        }

        /// <summary>Set environment variables here before Start.</summary>
        public ProcessStartInfo StartInfo { get { return startInfo; } }

        public int ProcessId { get { return processId; } }
        public DateTime StartTime { get { return startTime; } }
        public bool Started { get { return process != null; } }

        /// <summary>True when the child process has ended.</summary>
        public bool HasExited { get { return RememberExit(); } }

        // Whether the process ended; the first time it has, keeps its exit code, so the code is
        // still known after the Process object is disposed.
        private bool RememberExit()
        {
            if (process == null) return false;
            if (exitCode.HasValue || disposed) return true;
            try
            {
                if (!process.HasExited) return false;
                exitCode = process.ExitCode;
                return true;
            }
            catch (InvalidOperationException) { return true; }
        }

        /// <summary>The exit code once the process has ended, else null.</summary>
        public int? ExitCode
        {
            get
            {
                if (!HasExited) return null;
                return exitCode;
            }
        }

        /// <summary>True once stdout has ended (EOF or a framing error): no more frames will come.</summary>
        public bool StdoutClosed { get { return stdoutClosed; } }

        /// <summary>Why the reader stopped, when it was not a clean end of stream.</summary>
        public string ReadError { get { return readError; } }

        /// <summary>Alive: started, running, and its stdout still delivers frames.</summary>
        public bool IsAlive { get { return process != null && !stdoutClosed && !HasExited; } }

        /// <summary>Frames received and not yet taken.</summary>
        public int PendingFrames { get { return frames.Count; } }

        public void Start()
        {
            if (process != null) throw new InvalidOperationException("the backend process was already started");
            startInfo.UseShellExecute = false;
            startInfo.RedirectStandardInput = true;
            startInfo.RedirectStandardOutput = true;
            startInfo.RedirectStandardError = true;
            startInfo.CreateNoWindow = true;
            startInfo.StandardErrorEncoding = new UTF8Encoding(false, false);
            Process p = new Process();
            p.StartInfo = startInfo;
            p.Start();
            process = p;
            processId = p.Id;
            startTime = DateTime.Now;
            // Raw BOM-less bytes on BaseStream, never through the StreamWriter. On .NET Framework
            // with a UTF-8 console (chcp 65001) Process.Start itself already wrote a UTF-8 BOM
            // through that writer (it takes Console.InputEncoding); that cannot be prevented
            // here without changing the console's encoding, so the backend drops a leading BOM.
            stdin = p.StandardInput.BaseStream;
            RegisterLive(this);

            stdoutThread = new Thread(ReadStdout);
            stdoutThread.IsBackground = true;
            stdoutThread.Name = "WcLayer backend stdout " + processId;
            stdoutThread.Start();
            stderrThread = new Thread(ReadStderr);
            stderrThread.IsBackground = true;
            stderrThread.Name = "WcLayer backend stderr " + processId;
            stderrThread.Start();
        }

        private void ReadStdout()
        {
            try
            {
                FrameReader reader = new FrameReader(process.StandardOutput.BaseStream);
                while (true)
                {
                    string frame = reader.ReadFrame();
                    if (frame == null) break;
                    frames.Add(frame);
                }
            }
            catch (Exception e)
            {
                readError = e.GetType().Name + ": " + e.Message;
            }
            finally
            {
                stdoutClosed = true;
            }
        }

        private void ReadStderr()
        {
            try
            {
                StreamReader reader = process.StandardError;
                string line;
                while ((line = reader.ReadLine()) != null)
                {
                    if (line.Length > MaxStderrLineChars) line = line.Substring(0, MaxStderrLineChars) + "...";
                    lock (stderrLock)
                    {
                        stderrLines.Enqueue(line);
                        stderrTotal++;
                        while (stderrLines.Count > stderrCapacity) stderrLines.Dequeue();
                    }
                }
            }
            catch (Exception)
            {
                // The process went away; what was read stays in the buffer.
            }
        }

        /// <summary>A new request id (1, 2, 3 ...).</summary>
        public long NextId()
        {
            return Interlocked.Increment(ref lastId);
        }

        /// <summary>Writes one frame holding this JSON text.</summary>
        /// <exception cref="IOException">the backend's stdin is closed (it exited)</exception>
        public void Send(string json)
        {
            if (stdin == null) throw new InvalidOperationException("the backend process is not started");
            byte[] frame = FrameReader.Encode(json);
            lock (writeLock)
            {
                stdin.Write(frame, 0, frame.Length);
                stdin.Flush();
            }
        }

        /// <summary>Sends a request with a new id and returns the id. paramsJson may be null.</summary>
        public long SendRequest(string method, string paramsJson)
        {
            long id = NextId();
            Send(RequestJson(id, method, paramsJson));
            return id;
        }

        public void SendNotification(string method, string paramsJson)
        {
            StringBuilder sb = new StringBuilder("{\"jsonrpc\":\"2.0\",\"method\":");
            sb.Append(JsonString(method));
            if (!string.IsNullOrEmpty(paramsJson)) sb.Append(",\"params\":").Append(paramsJson);
            sb.Append('}');
            Send(sb.ToString());
        }

        /// <summary>Asks the backend to cancel a request ($/cancelRequest); it answers that request with -32800.</summary>
        public void CancelRequest(long id)
        {
            SendNotification("$/cancelRequest", "{\"id\":" + id.ToString(CultureInfo.InvariantCulture) + "}");
        }

        public static string RequestJson(long id, string method, string paramsJson)
        {
            StringBuilder sb = new StringBuilder("{\"jsonrpc\":\"2.0\",\"id\":");
            sb.Append(id.ToString(CultureInfo.InvariantCulture));
            sb.Append(",\"method\":").Append(JsonString(method));
            if (!string.IsNullOrEmpty(paramsJson)) sb.Append(",\"params\":").Append(paramsJson);
            sb.Append('}');
            return sb.ToString();
        }

        /// <summary>A JSON string literal for s.</summary>
        public static string JsonString(string s)
        {
            if (s == null) return "null";
            StringBuilder sb = new StringBuilder(s.Length + 2);
            sb.Append('"');
            foreach (char c in s)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            sb.Append('"');
            return sb.ToString();
        }

        /// <summary>The next frame, waiting at most timeoutMs; null when none came in time.</summary>
        public string TryTake(int timeoutMs)
        {
            string frame;
            if (frames.TryTake(out frame, Math.Max(0, timeoutMs))) return frame;
            return null;
        }

        /// <summary>
        /// Waits for the response to request id, dropping every other frame on the way (what a
        /// cancelled request's caller wants). False when none came within timeoutMs or the
        /// backend ended. Pure .NET on purpose: after Ctrl+C, PowerShell may refuse to run
        /// commands in a finally block, but method calls still work.
        /// </summary>
        public bool WaitForResponse(long id, int timeoutMs)
        {
            DateTime deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
            while (true)
            {
                int left = (int)(deadline - DateTime.UtcNow).TotalMilliseconds;
                if (left <= 0) return false;
                string frame = TryTake(Math.Min(left, 100));
                if (frame == null)
                {
                    if (!IsAlive && frames.Count == 0) return false;
                    continue;
                }
                long got;
                if (TryGetResponseId(frame, out got) && got == id) return true;
            }
        }

        /// <summary>
        /// True when the frame is a response (a top-level "id" and no top-level "method"), with
        /// its numeric id. A minimal scan of the top-level object, not a JSON parser.
        /// </summary>
        public static bool TryGetResponseId(string json, out long id)
        {
            id = 0;
            if (json == null) return false;
            bool hasId = false;
            bool hasMethod = false;
            int i = SkipSpace(json, 0);
            if (i >= json.Length || json[i] != '{') return false;
            i++;
            while (true)
            {
                i = SkipSpace(json, i);
                if (i >= json.Length) return false;
                if (json[i] == '}') break;
                if (json[i] == ',') { i++; continue; }
                if (json[i] != '"') return false;
                int keyEnd = SkipValue(json, i);
                if (keyEnd < 0) return false;
                string key = json.Substring(i + 1, keyEnd - i - 2);
                i = SkipSpace(json, keyEnd);
                if (i >= json.Length || json[i] != ':') return false;
                i = SkipSpace(json, i + 1);
                int valueEnd = SkipValue(json, i);
                if (valueEnd < 0) return false;
                if (key == "method") hasMethod = true;
                else if (key == "id")
                {
                    string raw = json.Substring(i, valueEnd - i);
                    if (raw.Length >= 2 && raw[0] == '"') raw = raw.Substring(1, raw.Length - 2);
                    hasId = long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out id);
                }
                i = valueEnd;
            }
            if (!hasId || hasMethod) { id = 0; return false; }
            return true;
        }

        private static int SkipSpace(string s, int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
            return i;
        }

        // The index just past the JSON value starting at i, or -1 when it is cut short.
        private static int SkipValue(string s, int i)
        {
            if (i >= s.Length) return -1;
            char c = s[i];
            if (c == '"')
            {
                for (int j = i + 1; j < s.Length; j++)
                {
                    if (s[j] == '\\') { j++; continue; }
                    if (s[j] == '"') return j + 1;
                }
                return -1;
            }
            if (c == '{' || c == '[')
            {
                int depth = 0;
                for (int j = i; j < s.Length; j++)
                {
                    char d = s[j];
                    if (d == '"')
                    {
                        j = SkipValue(s, j);
                        if (j < 0) return -1;
                        j--;
                    }
                    else if (d == '{' || d == '[') depth++;
                    else if (d == '}' || d == ']')
                    {
                        depth--;
                        if (depth == 0) return j + 1;
                    }
                }
                return -1;
            }
            int k = i;
            while (k < s.Length && s[k] != ',' && s[k] != '}' && s[k] != ']' && s[k] != ' ' && s[k] != '\t' && s[k] != '\r' && s[k] != '\n') k++;
            return k == i ? -1 : k;
        }

        /// <summary>All stderr lines still in the ring buffer, oldest first.</summary>
        public string[] GetStderrTail()
        {
            lock (stderrLock) { return stderrLines.ToArray(); }
        }

        /// <summary>Stderr lines added since the last call (those still in the buffer).</summary>
        public string[] TakeNewStderr()
        {
            lock (stderrLock)
            {
                long oldest = stderrTotal - stderrLines.Count;
                long from = Math.Max(stderrHandedOut, oldest);
                stderrHandedOut = stderrTotal;
                string[] all = stderrLines.ToArray();
                int skip = (int)(from - oldest);
                string[] fresh = new string[all.Length - skip];
                Array.Copy(all, skip, fresh, 0, fresh.Length);
                return fresh;
            }
        }

        /// <summary>How many stderr lines were ever read (the buffer keeps the last StderrCapacity).</summary>
        public long StderrLineCount { get { lock (stderrLock) { return stderrTotal; } } }

        public int StderrCapacity { get { return stderrCapacity; } }

        public bool WaitForExit(int timeoutMs)
        {
            if (process == null || disposed) return true;
            bool exited = process.WaitForExit(Math.Max(0, timeoutMs));
            if (exited) RememberExit();
            return exited;
        }

        /// <summary>
        /// Closes stdin (the backend exits on EOF), waits up to graceMs, then kills it.
        /// True when it exited by itself.
        /// </summary>
        public bool Close(int graceMs)
        {
            if (process == null || disposed) return true;
            try { if (stdin != null) stdin.Close(); }
            catch (IOException) { }
            catch (ObjectDisposedException) { }
            bool exited = WaitForExit(graceMs);
            if (!exited) Kill();
            JoinReaders(1000);
            UnregisterLive(this);
            return exited;
        }

        /// <summary>Ends the process at once.</summary>
        public void Kill()
        {
            if (process == null || disposed) return;
            try
            {
                if (!process.HasExited) process.Kill();
                process.WaitForExit(5000);
                RememberExit();
            }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
        }

        private void JoinReaders(int timeoutMs)
        {
            if (stdoutThread != null) stdoutThread.Join(timeoutMs);
            if (stderrThread != null) stderrThread.Join(timeoutMs);
        }

        /// <summary>Ends the process if needed and frees it. Safe to call more than once.</summary>
        public void Dispose()
        {
            if (disposed) return;
            Close(0);
            RememberExit();
            disposed = true;
            if (process != null) process.Dispose();
        }

        // Backstop: if the host process ends without Close (window closed, runspace lost), the
        // children must not outlive it. ProcessExit fires on a normal exit in both runtimes.
        private static void RegisterLive(RpcClient client)
        {
            lock (LiveLock)
            {
                Live.Add(client);
                if (exitHookInstalled) return;
                exitHookInstalled = true;
                AppDomain.CurrentDomain.ProcessExit += KillAllLive;
            }
        }

        private static void UnregisterLive(RpcClient client)
        {
            lock (LiveLock) { Live.Remove(client); }
        }

        private static void KillAllLive(object sender, EventArgs e)
        {
            RpcClient[] clients;
            lock (LiveLock) { clients = Live.ToArray(); Live.Clear(); }
            foreach (RpcClient c in clients)
            {
                try { if (!c.HasExited) c.process.Kill(); }
                catch (Exception) { }
            }
        }
    }
}
