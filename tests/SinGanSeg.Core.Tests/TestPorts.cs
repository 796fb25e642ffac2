using System.Net;
using System.Net.Sockets;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Ports for the servers tests start (silos, Azurite, PostgreSQL). Not the OS's "any free port":
/// that comes from the ephemeral range, from which every outgoing connection and every host bound
/// to port 0 also draws, so a port handed out here could be taken by one of those before its
/// server bound it (a silo then failed with "address already in use" in a CI run). These come
/// from below that range (20000–32767), where nothing is assigned automatically, are checked
/// bindable, and are never handed out twice in a test process.
/// </summary>
public static class TestPorts
{
    private const int First = 20000;
    private const int Last = 32767;
    private static readonly Lock Gate = new();
    // A different start per process: a test project that starts just after another does not
    // reuse ports whose sockets may still be closing.
    private static int _next = First + Random.Shared.Next(Last - First);
    private static int _given;

    public static int Free()
    {
        lock (Gate)
        {
            while (_given++ < Last - First)
            {
                var port = _next;
                _next = _next == Last ? First : _next + 1;
                if (Bindable(port)) return port;
            }
        }
        throw new InvalidOperationException($"no free port left in {First}–{Last} for this test process");
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
