// The console host boots the control-plane actors and the data plane. Until the control plane
// lands, it says so plainly instead of pretending to route.
Console.Error.WriteLine("ActorRouter host: not yet — the control plane and console host arrive with the control-plane work; run the tests meanwhile (dotnet test ActorRouter.sln).");
return 3;
