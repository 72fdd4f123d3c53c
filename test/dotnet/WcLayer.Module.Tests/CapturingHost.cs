// A minimal PowerShell host that records what the engine writes to the console: -WhatIf
// messages ("What if: Performing the operation ...") go to the host, not to any stream.

using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace WcLayer.Module.Tests
{
    public sealed class CapturingHost : PSHost
    {
        private readonly CapturingHostUI ui = new CapturingHostUI();

        /// <summary>Every line written to the host, in order.</summary>
        public List<string> Lines => ui.Lines;

        public override string Name => "WcLayerTestHost";
        public override Version Version => new Version(1, 0);
        public override Guid InstanceId { get; } = Guid.NewGuid();
        public override PSHostUserInterface UI => ui;
        public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
        public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
        public override void SetShouldExit(int exitCode) { }
        public override void EnterNestedPrompt() => throw new NotSupportedException();
        public override void ExitNestedPrompt() => throw new NotSupportedException();
        public override void NotifyBeginApplication() { }
        public override void NotifyEndApplication() { }

        private sealed class CapturingHostUI : PSHostUserInterface
        {
            public readonly List<string> Lines = new List<string>();
            private string partial = "";

            public override PSHostRawUserInterface RawUI => null;
            public override void Write(string value) { lock (Lines) partial += value; }
            public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
            public override void WriteLine(string value) { lock (Lines) { Lines.Add(partial + value); partial = ""; } }
            public override void WriteErrorLine(string value) => WriteLine(value);
            public override void WriteDebugLine(string message) { }
            public override void WriteProgress(long sourceId, ProgressRecord record) { }
            public override void WriteVerboseLine(string message) { }
            public override void WriteWarningLine(string message) { }
            // A test host answers no questions: a prompt is a test bug.
            public override string ReadLine() => throw new NotSupportedException("the test host reads no input");
            public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("the test host reads no input");
            public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions) => throw new NotSupportedException("the test host answers no prompt: " + message);
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException("the test host answers no prompt: " + message);
            public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("the test host answers no prompt: " + message);
            public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException("the test host answers no prompt: " + message);
        }
    }
}
