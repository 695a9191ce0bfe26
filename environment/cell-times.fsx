// Times the notebook cells at the notebooks' size: WorldSession.Start, then each named stage (SFT stages from the
// base model, the others from sft-supportive), printing each cell's wall time, the process's CPU time and the
// stage's summary. Uses the demo's cache ($VALUEDRIFT_CACHE or ~/.cache/valuedrift), as the notebooks do.
//
//   bash environment/setup.sh        # builds artifacts/notebook
//   dotnet fsi environment/cell-times.fsx [run folder] [stages, comma-separated]
#r "../artifacts/notebook/ValueDrift.Interactive.dll"
#r "../artifacts/notebook/ValueDrift.dll"
#r "../artifacts/notebook/ValueDrift.Reporting.dll"
#r "../artifacts/notebook/Microsoft.Extensions.Logging.Abstractions.dll"
open System
open System.Diagnostics
open ValueDrift.Common
open ValueDrift.Interactive

ValueDrift.Models.TorchRuntime.BoundOpenMpSpinning()   // as Notebook.Setup does, before the natives load
TorchNatives.Preload() |> ignore
let args = fsi.CommandLineArgs |> Array.skip 1
let runFolder = if args.Length > 0 then args.[0] else IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "runs", "cell-times")
let stages =
    if args.Length > 1 then args.[1].Split(',')
    else [| "sft-neutral"; "sft-supportive"; "dpo-standard"; "simpo-standard"; "ppo-standard" |]
let cpu () = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds
let log = LineLogger.To(Action<string>(fun l -> printfn "  | %s" l))

let timed label (f: unit -> 'a) =
    let wall, c0 = Stopwatch.StartNew(), cpu ()
    let result = f ()
    printfn "%s: %.1f s wall, %.1f s CPU" label wall.Elapsed.TotalSeconds (cpu () - c0)
    result

let session = timed "WorldSession.Start" (fun () -> WorldSession.Start(NotebookSizes.Small(runFolder), false, log))
let mutable sft : StageChange option = None
for name in stages do
    let change =
        timed name (fun () ->
            match (if name.StartsWith "sft" then None else sft) with
            | Some from -> session.Run(name, from)
            | None -> session.Run(name))
    if name = "sft-supportive" then sft <- Some change
    printfn "  %s" change.Summary
