// Times one piece of world work under the OpenMP waiting the environment sets, for comparing libgomp's settings
// side by side (docs/benchmarks.md, "OpenMP waiting"). The script loads LibTorch before ValueDrift can set anything,
// so what counts is the environment it starts with:
//
//   bash environment/setup.sh                                  # builds artifacts/notebook
//   GOMP_SPINCOUNT=5000 dotnet fsi benchmarks/openmp-waiting.fsx notebook [threads]
//   OMP_WAIT_POLICY=PASSIVE dotnet fsi benchmarks/openmp-waiting.fsx pretrain
//
// pretrain: the Quick base model pretrained into an empty cache; quick: the Quick world run (base model cached);
// notebook: a world run at the notebooks' size (the demo's base model, cached in $VALUEDRIFT_CACHE or ~/.cache/valuedrift).
// threads: LibTorch's intra-op threads (default: all CPUs). Prints wall and CPU seconds and the run's phase profile.
#r "../artifacts/notebook/ValueDrift.Interactive.dll"
#r "../artifacts/notebook/ValueDrift.dll"
#r "../artifacts/notebook/TorchSharp.dll"
#r "../artifacts/notebook/Microsoft.Extensions.Logging.Abstractions.dll"
open System
open System.Diagnostics
open ValueDrift.Common
open ValueDrift.Experiments
open ValueDrift.WorldRuns
open ValueDrift.Interactive
open ValueDrift.World

// As libgomp read them when it loaded (ValueDrift sets GOMP_SPINCOUNT later, when the user set neither; too late here).
let env name = match Environment.GetEnvironmentVariable(name: string) with null | "" -> "(unset)" | v -> v
let policy, spins = env "OMP_WAIT_POLICY", env "GOMP_SPINCOUNT"
TorchNatives.Preload() |> ignore
let args = fsi.CommandLineArgs |> Array.skip 1
let what = if args.Length > 0 then args.[0] else "notebook"
if args.Length > 1 then TorchSharp.torch.set_num_threads(int args.[1])
let folder = IO.Path.Combine(IO.Path.GetTempPath(), "openmp-waiting-" + Guid.NewGuid().ToString("N"))
let cpu () = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds
let wall, c0 = Stopwatch.StartNew(), cpu ()
PhaseProfile.Reset()
match what with
| "pretrain" -> BaseModel.GetOrTrain(WorldOptions.Quick, BaseModelRecipe.Quick, folder, null) |> ignore
| "quick" -> WorldExperiment.Run(WorldExperimentOptions.Quick(folder)) |> ignore
| "notebook" -> WorldExperiment.Run(WorldExperimentOptions.Notebook(folder, null)) |> ignore
| other -> failwithf "unknown work '%s': pretrain, quick or notebook" other
printfn "%s, %d threads, OMP_WAIT_POLICY=%s GOMP_SPINCOUNT=%s: %.1f s wall, %.1f s CPU"
    what (TorchSharp.torch.get_num_threads()) policy spins wall.Elapsed.TotalSeconds (cpu () - c0)
printfn "%s" (PhaseProfile.Format())
IO.Directory.Delete(folder, true)
