using ActorRouter.Host;

// The console host: loads the configuration, boots the actor system and the data plane, brings
// every interface up, reports forwarding, and stops cleanly on Ctrl-C or SIGTERM.
return await RouterHost.RunAsync(args, Console.Out, Console.Error);
