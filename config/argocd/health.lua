-- Argo CD health of an AppTrustProfile, read from its Ready condition.
-- Progressing until the operator has seen the current generation; Healthy when the policies are
-- enforced (Reconciled) or the profile is in Audit mode on purpose; Degraded otherwise
-- (InvalidSpec, Conflict, ApplyFailed), with the operator's message.
local hs = { status = "Progressing", message = "Waiting for the operator to reconcile the profile" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local generation = obj.metadata.generation
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    if generation ~= nil and (condition.observedGeneration == nil or condition.observedGeneration < generation) then
      return hs
    end
    hs.message = (condition.reason or "") .. ": " .. (condition.message or "")
    if condition.status == "True" then
      hs.status = "Healthy"
    elseif condition.status == "False" then
      hs.status = "Degraded"
    end
    return hs
  end
end
return hs
