return ValueDrift.Cli.CliApp.Run(args, Console.Out, Console.Error);
