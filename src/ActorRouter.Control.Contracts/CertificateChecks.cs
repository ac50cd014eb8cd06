using System.Security.Cryptography.X509Certificates;

namespace ActorRouter.Control.Contracts;

/// <summary>The certificate checks both ends make: issued by the router's CA, and the name and role in the subject.</summary>
public static class CertificateChecks
{
    /// <summary>The role written into the router's own endpoint certificate; arctl accepts no other as the router.</summary>
    public const string EndpointRole = "control-endpoint";

    /// <summary>
    /// True when <paramref name="certificate"/> was issued directly by <paramref name="ca"/> and is valid
    /// now. Only <paramref name="ca"/> is trusted: the system's trust store plays no part.
    /// </summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (!chain.Build(certificate) || chain.ChainElements.Count != 2)
        {
            return false;
        }
        return chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(ca.RawDataMemory.Span);
    }

    /// <summary>CN (the name) and OU (the role) of the subject; the router's CA writes exactly one of each.</summary>
    public static (string? Name, string? Role) NameAndRole(X509Certificate2 certificate)
    {
        string? name = null;
        string? role = null;
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.HasMultipleElements)
            {
                continue;
            }
            switch (rdn.GetSingleElementType().Value)
            {
                case "2.5.4.3":
                    name = rdn.GetSingleElementValue();
                    break;
                case "2.5.4.11":
                    role = rdn.GetSingleElementValue();
                    break;
            }
        }
        return (name, role);
    }
}
