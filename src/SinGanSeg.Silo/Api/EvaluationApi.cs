using Microsoft.AspNetCore.StaticFiles;
using SinGanSeg.Abstractions;
using SinGanSeg.Grains.Jobs;
using SinGanSeg.Grains.Storage;

namespace SinGanSeg.Silo.Api;

/// <summary>GET /api/evaluations/{id}: an evaluation's runs and summary; GET …/report/{file}: report.md, report.json or a chart.</summary>
public static class EvaluationApi
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static IEndpointRouteBuilder MapEvaluationApi(this IEndpointRouteBuilder app)
    {
        var evaluations = app.MapGroup("/api/evaluations").AddEndpointFilter(ProblemMapping.Filter).WithTags("Evaluations");
        evaluations.MapGet("/{id}", async (string id, IClusterClient client) =>
        {
            return TypedResults.Ok(await client.GetGrain<IEvaluationCoordinatorGrain>(JobValidation.RequireSafeName(id, "evaluation id")).GetStatus());
        })
        .WithName("GetEvaluation")
        .WithSummary("An evaluation's runs (fold × training set) and, once done, its summary")
        .ProducesProblem(StatusCodes.Status404NotFound);
        evaluations.MapGet("/{id}/report/{file}", async (string id, string file, IClusterClient client, IArtifactStore store) =>
        {
            JobValidation.RequireSafeName(id, "evaluation id");
            JobValidation.RequireSafeName(file, "report file");
            var status = await client.GetGrain<IEvaluationCoordinatorGrain>(id).GetStatus();
            if (status.ReportPrefix is null) throw new JobNotFinishedException($"evaluation '{id}' has no report yet ({status.Phase})");
            var stream = await store.OpenReadAsync(status.ReportPrefix + file) ?? throw new KeyNotFoundException($"evaluation '{id}' has no report file '{file}'");
            return TypedResults.Stream(stream, ContentTypes.TryGetContentType(file, out var type) ? type : "application/octet-stream");
        })
        .WithName("GetEvaluationReportFile")
        .WithSummary("A file of the finished evaluation's report: report.md, report.json, dice.svg, dice.png, small-data.svg or small-data.png")
        .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
