// arctl, the command-line client, talks to a running host over Akka.Remote. Not built yet.
Console.Error.WriteLine("arctl: not yet — the command-line client arrives with the CLI work.");
return 3;
