using System.Net.Sockets;
using Azure;

namespace SinGanSeg.Grains.Common;

/// <summary>Tells infrastructure failures (storage, network, silos, timeouts) from failures of the work itself.</summary>
public static class FailureClassifier
{
    /// <summary>
    /// True for failures of the machinery around the work — an Azure answer such as 408/429/5xx or
    /// none at all, HTTP and socket errors, timeouts, an unreachable silo, I/O errors other than a
    /// missing file — which say nothing about the input and are retried without using up its attempts.
    /// </summary>
    public static bool IsInfrastructure(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                    return aggregate.InnerExceptions.All(IsInfrastructure);
                case RequestFailedException request:
                    return request.Status is 0 or 408 or 429 or >= 500;
                case HttpRequestException or SocketException or TimeoutException:
                    return true;
                case FileNotFoundException or DirectoryNotFoundException or EndOfStreamException:
                    return false;
                case IOException:
                    return true;
                case Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException:
                    return true;
            }
        }
        return false;
    }

    public static FailureKind Classify(Exception e, bool permanent) =>
        permanent ? FailureKind.Permanent : IsInfrastructure(e) ? FailureKind.Infrastructure : FailureKind.Transient;
}
