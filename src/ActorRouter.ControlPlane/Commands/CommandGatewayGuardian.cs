using Akka.Actor;

namespace ActorRouter.ControlPlane.Commands;

/// <summary>
/// Parent of the command gateway: whatever happens to the gateway, it is restarted and the CLI keeps
/// working. (Remote peers cannot send it Kill or any system message: the control endpoint's door
/// drops those before they reach an actor.)
/// </summary>
public sealed class CommandGatewayGuardian : ReceiveActor
{
    public const string Name = "control";

    /// <param name="announceTo">Told the gateway's reference once it exists (the fleet actor, which hands it carried requests); null: nobody.</param>
    public CommandGatewayGuardian(Props gateway, string gatewayName, IActorRef? announceTo = null)
    {
        var created = Context.ActorOf(gateway, gatewayName);
        announceTo?.Tell(new Fleet.AttachGateway(created));
    }

    public static Props Props(Props gateway, string gatewayName, IActorRef? announceTo = null) =>
        Akka.Actor.Props.Create(() => new CommandGatewayGuardian(gateway, gatewayName, announceTo));

    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeRange: Timeout.InfiniteTimeSpan, localOnlyDecider: _ => Directive.Restart);
}
