// FrameReader on its own: frames split across reads in every way a pipe can split them.

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using WcLayer.Transport.V1;
using Xunit;

namespace WcLayer.Transport.Tests
{
    /// <summary>A read-only stream that hands out its bytes in fixed-size pieces.</summary>
    internal sealed class ChunkedStream : Stream
    {
        private readonly byte[] data;
        private readonly int[] chunks;
        private int position;
        private int chunkIndex;

        /// <param name="chunks">sizes of successive reads; the last size repeats</param>
        public ChunkedStream(byte[] data, params int[] chunks)
        {
            this.data = data;
            this.chunks = chunks;
        }

        public int Reads;

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            if (position >= data.Length) return 0;
            int size = chunks[Math.Min(chunkIndex, chunks.Length - 1)];
            chunkIndex++;
            int n = Math.Min(Math.Min(size, count), data.Length - position);
            Buffer.BlockCopy(data, position, buffer, offset, n);
            position += n;
            return n;
        }

        public override bool CanRead { get { return true; } }
        public override bool CanSeek { get { return false; } }
        public override bool CanWrite { get { return false; } }
        public override long Length { get { throw new NotSupportedException(); } }
        public override long Position { get { throw new NotSupportedException(); } set { throw new NotSupportedException(); } }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) { throw new NotSupportedException(); }
        public override void SetLength(long value) { throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) { throw new NotSupportedException(); }
    }

    public class FrameReaderTests
    {
        private static byte[] Concat(params byte[][] parts)
        {
            List<byte> all = new List<byte>();
            foreach (byte[] p in parts) all.AddRange(p);
            return all.ToArray();
        }

        private static byte[] Ascii(string s)
        {
            return Encoding.ASCII.GetBytes(s);
        }

        private static List<string> ReadAll(Stream s)
        {
            FrameReader reader = new FrameReader(s);
            List<string> frames = new List<string>();
            string f;
            while ((f = reader.ReadFrame()) != null) frames.Add(f);
            return frames;
        }

        private const string Multibyte = "{\"text\":\"Grüße, 日本語, 😀\"}";

        [Fact]
        public void EncodeCountsBytesNotCharsAndWritesNoBom()
        {
            byte[] frame = FrameReader.Encode(Multibyte);
            int bodyBytes = Encoding.UTF8.GetByteCount(Multibyte);
            Assert.True(bodyBytes > Multibyte.Length);
            string header = "Content-Length: " + bodyBytes + "\r\n\r\n";
            Assert.Equal(header, Encoding.ASCII.GetString(frame, 0, header.Length));
            Assert.Equal(header.Length + bodyBytes, frame.Length);
            Assert.Equal((byte)'{', frame[header.Length]);
        }

        [Fact]
        public void ReadsFramesWhateverTheReadSizes()
        {
            byte[] two = Concat(FrameReader.Encode(Multibyte), FrameReader.Encode("{\"id\":2}"));
            int[][] patterns = new int[][] { new int[] { 1 }, new int[] { 2 }, new int[] { 7 }, new int[] { 100000 }, new int[] { 20, 1, 3 } };
            foreach (int[] pattern in patterns)
            {
                List<string> frames = ReadAll(new ChunkedStream(two, pattern));
                Assert.Equal(new List<string> { Multibyte, "{\"id\":2}" }, frames);
            }
        }

        [Fact]
        public void HeaderThenBodyInSeparateReads()
        {
            // The Node writer sends the header and the body as two writes.
            byte[] body = Encoding.UTF8.GetBytes(Multibyte);
            byte[] header = Ascii("Content-Length: " + body.Length + "\r\n\r\n");
            ChunkedStream s = new ChunkedStream(Concat(header, body), header.Length, body.Length);
            Assert.Equal(Multibyte, new FrameReader(s).ReadFrame());
        }

        [Fact]
        public void AcceptsContentTypeAndAnyHeaderCase()
        {
            byte[] data = Concat(Ascii("content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}"));
            Assert.Equal(new List<string> { "{}" }, ReadAll(new MemoryStream(data)));
        }

        [Fact]
        public void CleanEndOfStreamGivesNull()
        {
            Assert.Null(new FrameReader(new MemoryStream(new byte[0])).ReadFrame());
        }

        [Fact]
        public void TruncatedBodyThrows()
        {
            byte[] data = Ascii("Content-Length: 10\r\n\r\n{\"a\":");
            Assert.Throws<EndOfStreamException>(delegate { new FrameReader(new MemoryStream(data)).ReadFrame(); });
        }

        [Fact]
        public void TruncatedHeaderThrows()
        {
            byte[] data = Ascii("Content-Len");
            Assert.Throws<EndOfStreamException>(delegate { new FrameReader(new MemoryStream(data)).ReadFrame(); });
        }

        [Fact]
        public void MissingContentLengthThrows()
        {
            byte[] data = Ascii("Content-Type: x\r\n\r\n{}");
            Assert.Throws<InvalidDataException>(delegate { new FrameReader(new MemoryStream(data)).ReadFrame(); });
        }

        [Fact]
        public void StrayTextOnStdoutThrowsInsteadOfHanging()
        {
            byte[] data = Ascii("hello from console.log\nContent-Length: 2\r\n\r\n{}");
            Assert.Throws<InvalidDataException>(delegate { new FrameReader(new MemoryStream(data)).ReadFrame(); });
        }

        [Fact]
        public void HugeOrNegativeLengthsAreRefused()
        {
            foreach (string value in new string[] { "-1", "99999999999", "12abc", "" })
            {
                byte[] data = Ascii("Content-Length: " + value + "\r\n\r\n{}");
                Assert.Throws<InvalidDataException>(delegate { new FrameReader(new MemoryStream(data)).ReadFrame(); });
            }
        }

        [Fact]
        public void JsonStringEscapesWhatJsonNeeds()
        {
            string nasty = "quote\" backslash\\ newline\n tab\t nul\u0000 bell\u0007 ü 😀 </script>";
            string json = RpcClient.JsonString(nasty);
            Assert.Equal(nasty, JsonDocument.Parse(json).RootElement.GetString());
            Assert.Equal("null", RpcClient.JsonString(null));
        }

        [Fact]
        public void TryGetResponseIdReadsOnlyTheTopLevel()
        {
            string[] responses = new string[]
            {
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"id\":99,\"method\":\"x\"}}",
                "{\"result\":\"a \\\"quoted\\\" } brace, \\\\\",\"id\":12}",
                " { \"id\" : \"13\" , \"error\" : { \"code\" : -1 } } ",
                "{\"result\":[1,[2,{\"a\":\"]\"}]],\"id\":-4}",
            };
            long[] ids = new long[] { 7, 12, 13, -4 };
            for (int i = 0; i < responses.Length; i++)
            {
                JsonDocument.Parse(responses[i]).Dispose(); // the cases are valid JSON
                long id;
                Assert.True(RpcClient.TryGetResponseId(responses[i], out id), responses[i]);
                Assert.Equal(ids[i], id);
            }
            string[] others = new string[]
            {
                "{\"jsonrpc\":\"2.0\",\"method\":\"$/progress\",\"params\":{\"id\":3}}",
                "{\"id\":5,\"method\":\"m\"}",
                "{\"id\":null,\"error\":{}}",
                "{\"result\":{\"id\":1}}",
                "{\"id\":1,",
                "{\"id\":\"1",
                "[1]",
                "not json",
                "",
            };
            foreach (string other in others)
            {
                long id;
                Assert.False(RpcClient.TryGetResponseId(other, out id), other);
            }
        }

        [Fact]
        public void RequestJsonIsAJsonRpcRequest()
        {
            JsonElement r = Backend.Parse(RpcClient.RequestJson(42, "area/verb", "{\"path\":\"C:\\\\x\"}"));
            Assert.Equal("2.0", r.GetProperty("jsonrpc").GetString());
            Assert.Equal(42, r.GetProperty("id").GetInt64());
            Assert.Equal("area/verb", r.GetProperty("method").GetString());
            Assert.Equal("C:\\x", r.GetProperty("params").GetProperty("path").GetString());
            JsonElement ignored;
            Assert.False(Backend.Parse(RpcClient.RequestJson(1, "m", null)).TryGetProperty("params", out ignored));
        }
    }
}
