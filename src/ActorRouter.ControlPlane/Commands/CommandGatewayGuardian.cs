using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Parent of the command gateway. A remote peer can send the gateway a Kill (untrusted mode drops
/// PoisonPill and system messages, but not Kill), which under the user guardian's default strategy
/// would stop it for good; here it is restarted instead, and the CLI keeps working. The peer never
/// learns this actor's reference, and untrusted mode refuses its selection.
/// </summary>
public sealed class CommandGatewayGuardian : ReceiveActor
{
    public const string Name = "control";

    public CommandGatewayGuardian(Props gateway, string gatewayName)
    {
        Context.ActorOf(gateway, gatewayName);
    }

    public static Props Props(Props gateway, string gatewayName) =>
        Akka.Actor.Props.Create(() => new CommandGatewayGuardian(gateway, gatewayName));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeRange: Timeout.InfiniteTimeSpan, localOnlyDecider: _ => Directive.Restart);
}
