using k8s.Models;

namespace AiStack.AppHost.Publishing.Kubernetes;

/// <summary>
/// The control center restarts services with a rollout restart (a patch of the Deployment's pod template), so its service account
/// may read and patch the Deployments of its own namespace and nothing else.
/// </summary>
public static class ControlCenterAccess
{
    public const string ControlCenter = "dashboard";
    public const string RoleName = "dashboard-rollout-restart";

    public static V1ServiceAccount ServiceAccount() => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = WorkloadManifests.Metadata(WorkloadManifests.ServiceAccountName(ControlCenter), "rbac", ControlCenter),
        AutomountServiceAccountToken = true,
    };

    public static V1Role Role() => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "Role",
        Metadata = WorkloadManifests.Metadata(RoleName, "rbac", ControlCenter),
        Rules =
        [
            new V1PolicyRule { ApiGroups = ["apps"], Resources = ["deployments"], Verbs = ["get", "list", "watch", "patch"] },
        ],
    };

    /// <summary>The subject has no namespace: RBAC reads that as the binding's own, so every overlay's namespace is right.</summary>
    public static V1RoleBinding RoleBinding() => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "RoleBinding",
        Metadata = WorkloadManifests.Metadata(RoleName, "rbac", ControlCenter),
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = RoleName },
        Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = WorkloadManifests.ServiceAccountName(ControlCenter) }],
    };
}
