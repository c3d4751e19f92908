Console.WriteLine("AiStack benchmarks");
