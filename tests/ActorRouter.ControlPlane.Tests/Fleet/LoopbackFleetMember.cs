using ActorRouter.Control.Contracts;
using ActorRouter.ControlPlane.Fleet;
using Akka.Configuration;

namespace ActorRouter.ControlPlane.Tests.Fleet;

/// <summary>The configuration of one fleet member in a test process: plain TCP on 127.0.0.1, the first port the seed.</summary>
internal static class LoopbackFleetMember
{
    /// <param name="extra">More HOCON, after the common part.</param>
    public static Config Config(string fleetName, string router, int port, int seedPort, DateTimeOffset started, string extra = "") =>
        ConfigurationFactory.ParseString($$"""
            akka.loglevel = INFO
            akka.actor.provider = cluster
            # Terminate stops a member at once, without leaving: the others must notice it through the failure detector.
            akka.coordinated-shutdown.run-by-actor-system-terminate = off
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
            akka.cluster {
              seed-nodes = ["akka.tcp://{{fleetName}}@127.0.0.1:{{seedPort}}"]
              roles = [{{string.Join(", ", FleetActor.Roles(router, started).Select(r => $"\"{r}\""))}}]
              split-brain-resolver.stable-after = 60s
            }
            {{extra}}
            {{ContractSerializer.Hocon}}
            """);
}
