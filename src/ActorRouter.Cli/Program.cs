using ActorRouter.Cli;

// arctl: sends one command to a running router over Akka.Remote and prints the answer; with no
// command, an interactive session. Exit codes: 0 ok, 1 refused, 2 usage, 3 router unreachable.
// The process ends at once after the answer: the operating system closes the connection.
var code = await ArctlApp.RunAsync(args, Console.Out, Console.Error, processExits: true);
Console.Out.Flush();
Console.Error.Flush();
Environment.Exit(code);
return code;
