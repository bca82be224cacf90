/**
 * The Session Manager statement both instance roles (control host, GPU fleet) must carry, written out here and not
 * imported from components/aws/common.ts, so a change there fails the tests: the five actions of the Systems
 * Manager guide "Create a custom IAM role for Session Manager", and nothing that reads parameters.
 */
export const EXPECTED_SESSION_MANAGER_STATEMENTS = [
  {
    Sid: "SessionManager",
    Effect: "Allow",
    Action: [
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ],
    Resource: "*",
  },
];
