// Stand-ins for Write-Progress, Write-Verbose and Write-Debug (Microsoft.PowerShell.Utility,
// not on the package feed). They hand their record to the engine exactly as the real ones do
// (Cmdlet.WriteProgress / WriteVerbose / WriteDebug), so preferences, -Verbose and the host's
// Streams collections behave as in a real PowerShell.

using System.Management.Automation;

namespace WcLayer.Module.Tests.Standins
{
    /// <summary>Stand-in for Write-Progress: -Activity, -Status, -Id, -ParentId, -PercentComplete, -CurrentOperation, -Completed.</summary>
    [Cmdlet(VerbsCommunications.Write, "Progress")]
    public sealed class WriteProgressStandin : PSCmdlet
    {
        [Parameter(Position = 0)]
        public string Activity { get; set; }

        [Parameter(Position = 1)]
        [ValidateNotNullOrEmpty]
        public string Status { get; set; } = "Processing"; // the real default text

        [Parameter(Position = 2)]
        [ValidateRange(0, int.MaxValue)]
        public int Id { get; set; }

        [Parameter]
        [ValidateRange(-1, 100)]
        public int PercentComplete { get; set; } = -1;

        [Parameter]
        public string CurrentOperation { get; set; }

        [Parameter]
        [ValidateRange(-1, int.MaxValue)]
        public int ParentId { get; set; } = -1;

        [Parameter]
        public SwitchParameter Completed { get; set; }

        protected override void ProcessRecord()
        {
            // Like the real one (7.x): -Activity may be left out only with -Completed.
            if (string.IsNullOrEmpty(Activity))
            {
                if (!Completed) ThrowTerminatingError(new ErrorRecord(new PSArgumentException("-Activity is required unless -Completed is given"), "ActivityParameterRequired", ErrorCategory.InvalidArgument, null));
                Activity = "Completed";
            }
            var record = new ProgressRecord(Id, Activity, Status)
            {
                ParentActivityId = ParentId,
                PercentComplete = PercentComplete,
                CurrentOperation = CurrentOperation,
                RecordType = Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            WriteProgress(record);
        }
    }

    /// <summary>Stand-in for Write-Verbose [-Message] (position 0, pipeline).</summary>
    [Cmdlet(VerbsCommunications.Write, "Verbose")]
    public sealed class WriteVerboseStandin : PSCmdlet
    {
        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
        [AllowEmptyString]
        [Alias("Msg")]
        public string Message { get; set; }

        protected override void ProcessRecord() => WriteVerbose(Message);
    }

    /// <summary>Stand-in for Write-Debug [-Message] (position 0, pipeline).</summary>
    [Cmdlet(VerbsCommunications.Write, "Debug")]
    public sealed class WriteDebugStandin : PSCmdlet
    {
        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
        [AllowEmptyString]
        [Alias("Msg")]
        public string Message { get; set; }

        protected override void ProcessRecord() => WriteDebug(Message);
    }
}
