// Stand-ins for Register-EngineEvent, Get-EventSubscriber and Unregister-Event
// (Microsoft.PowerShell.Utility, not on the package feed). They use the engine's own event
// manager (PSCmdlet.Events), which is what the real commands do.

using System;
using System.Management.Automation;

namespace WcLayer.Module.Tests.Standins
{
    /// <summary>Stand-in for Register-EngineEvent [-SourceIdentifier] [[-Action]] [-MessageData] (no -SupportEvent, -Forward, -MaxTriggerCount).</summary>
    [Cmdlet(VerbsLifecycle.Register, "EngineEvent")]
    public sealed class RegisterEngineEventStandin : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 100)]
        public string SourceIdentifier { get; set; }

        [Parameter(Position = 101)]
        public ScriptBlock Action { get; set; }

        [Parameter]
        public PSObject MessageData { get; set; }

        protected override void EndProcessing()
        {
            PSEventSubscriber subscriber = Events.SubscribeEvent(null, null, SourceIdentifier, MessageData, Action, false, false);
            // Like the real one: with -Action it outputs the job that runs the action.
            if (Action != null) WriteObject(subscriber.Action);
        }
    }

    /// <summary>Stand-in for Get-EventSubscriber [-Force] (no -SourceIdentifier, -SubscriptionId).</summary>
    [Cmdlet(VerbsCommon.Get, "EventSubscriber")]
    public sealed class GetEventSubscriberStandin : PSCmdlet
    {
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            foreach (PSEventSubscriber s in Events.Subscribers)
            {
                // Support events (internal subscriptions) only with -Force, as in the real one.
                if (s.SupportEvent && !Force) continue;
                WriteObject(s);
            }
        }
    }

    /// <summary>Stand-in for Unregister-Event -SubscriptionId [-Force] (no -SourceIdentifier).</summary>
    [Cmdlet(VerbsLifecycle.Unregister, "Event", SupportsShouldProcess = true)]
    public sealed class UnregisterEventStandin : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        public int SubscriptionId { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            foreach (PSEventSubscriber s in Events.Subscribers)
            {
                if (s.SubscriptionId != SubscriptionId) continue;
                if (s.SupportEvent && !Force) continue;
                if (ShouldProcess(s.SourceIdentifier, "Unregister-Event")) Events.UnsubscribeEvent(s);
                return;
            }
            WriteError(new ErrorRecord(new ArgumentException("Event subscription with identifier '" + SubscriptionId + "' does not exist."), "INVALID_SUBSCRIPTION_IDENTIFIER", ErrorCategory.InvalidArgument, SubscriptionId));
        }
    }
}
