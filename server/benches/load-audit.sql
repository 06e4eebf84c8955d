-- 100,000 audit records of the load test's tenant ($1): 50,000 actions, each an intent and a result.
INSERT INTO audit_events (phase, correlation_id, tenant_id, tenant, actor_kind, actor_iss, actor_sub, actor_name,
                          source_ip, user_agent, request_id, action, target_type, target, outcome, details)
SELECT phase, md5('load-' || i)::uuid, $1, 'acme', 'user', 'http://load.example', 'user-' || (i % 40),
       'Load User ' || (i % 40), '10.0.' || (i % 250) || '.1', 'load/1.0', 'load-' || i,
       (ARRAY['deploy.submit', 'app.scale', 'app.restart', 'member.add', 'token.create'])[1 + i % 5],
       'app', 'app-' || (i % 500),
       CASE WHEN phase = 'intent' THEN NULL WHEN i % 17 = 0 THEN 'failure' ELSE 'success' END,
       jsonb_build_object('n', i)
  FROM generate_series(1, 50000) AS i
 CROSS JOIN (VALUES (1, 'intent'), (2, 'result')) AS p(k, phase)
 ORDER BY i, k;
