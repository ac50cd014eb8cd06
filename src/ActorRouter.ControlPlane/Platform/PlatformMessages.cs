using ActorRouter.ControlPlane.Configuration;

namespace ActorRouter.ControlPlane.Platform;

/// <summary>
/// Platform → event stream, before any handshake starts: what discovery found. Everyone waiting for
/// the handshakes learns from it how many outcomes (InterfaceUp or InterfaceInitFailed) to expect:
/// one per interface plus one per failure.
/// </summary>
public sealed record InterfacesDiscovered(IReadOnlyList<InterfaceConfig> Interfaces, int Failures)
{
    public int ExpectedOutcomes => Interfaces.Count + Failures;
}

/// <summary>
/// Platform → FMAN (and the event stream): an interface's link went down or came back (the OS
/// interface lost its carrier or was set down). FMAN enables the interface in the data plane only
/// while it is both administratively up and linked, and answers CommandSucceeded or CommandFailed.
/// </summary>
public sealed record InterfaceLinkChanged(string Name, string OsName, bool LinkUp);
