using ActorRouter.Cli;

// arctl: sends one command to a running router over Akka.Remote's protocol and prints the answer;
// with no command, an interactive session. Exit codes: 0 ok, 1 refused, 2 usage, 3 router unreachable, 4 not authorised.
PhaseTiming.Start();
SystemTrustStore.LeaveUnloaded();
var exitCode = await ArctlApp.RunAsync(args, Console.Out, Console.Error);
PhaseTiming.Mark("close");
PhaseTiming.Report(Console.Error);
return exitCode;
