// A quick value-drift pipeline from the command line, on the synthetic world at the notebooks' size:
// base model → SFT on the supportive set → DPO on the support-aligned (large value gap) set, then the drift table.
//
//   dotnet fsi notebooks/scripts/run-pipeline.fsx [run-folder]
//
// The run folder defaults to notebooks/runs/run-pipeline; the base model is the demo's, cached under $VALUEDRIFT_CACHE
// when set, else ~/.cache/valuedrift.
// Needs the notebook build (bash environment/setup.sh). Exit code 2 with a one-line message on bad input.
#load "ValueDriftFs.fsx"

open System
open System.IO
open ValueDrift.Errors
open Deedle
open ValueDriftFs

let repo = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", ".."))
let runFolder =
    match fsi.CommandLineArgs |> Array.tail with
    | [| folder |] -> folder
    | [||] -> Path.Combine(repo, "notebooks", "runs", "run-pipeline")
    | _ ->
        eprintfn "usage: dotnet fsi run-pipeline.fsx [run-folder]"
        exit 1

try
    let clock = Diagnostics.Stopwatch.StartNew()
    let session = notebookOptions runFolder |> start (printfn "%s")
    let sft = "sft-supportive" |> run session None
    let dpo = "dpo-support-aligned" |> run session (Some sft)
    printfn "%s" sft.Summary
    printfn "%s" dpo.Summary
    printfn ""
    printfn "drift table (likelihood probe): %s" session.Folder.LikelihoodTracePath
    formatDriftTable (session.DriftTable(likelihood = true)) |> List.iter (printfn "%s")
    printfn ""
    printfn "drift table (generation probe): %s" session.Folder.TracePath
    formatDriftTable (session.DriftTable()) |> List.iter (printfn "%s")
    printfn ""
    printfn "mean p(stance) per phase (likelihood probe):"
    meanStanceByPhase session.Folder.LikelihoodTracePath |> Frame.mapValues (fun (v: float) -> Math.Round(v, 3)) |> fun f -> printfn "%s" (f.Format())
    printfn "done in %.0f s" clock.Elapsed.TotalSeconds
with :? ValueDriftException as e ->
    eprintfn "%s" e.Message
    exit 2
