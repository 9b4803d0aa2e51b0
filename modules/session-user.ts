import { IamUser } from "@cdktf/provider-aws/lib/iam-user";
import { IamUserGroupMembership } from "@cdktf/provider-aws/lib/iam-user-group-membership";
import { Construct } from "constructs";
import { IAM_PATH } from "../config/naming";

/** Session Manager's tag on an IAM principal that names the OS user its sessions run as. */
export const RUN_AS_TAG = "SSMSessionRunAs";

export interface SessionUserProps {
  readonly userName: string;
  /** IAM group names (not config names) the user belongs to. */
  readonly groupNames: readonly string[];
  /** OS user for Run As. @default the document's runAsDefaultUser */
  readonly runAsUser?: string;
}

/**
 * An IAM user who starts sessions. No access keys and no policies of its own: permissions come only from groups.
 * Console password and MFA device are the person's own to set up.
 */
export class SessionUser extends Construct {
  constructor(scope: Construct, id: string, props: SessionUserProps) {
    super(scope, id);
    const user = new IamUser(this, "user", {
      name: props.userName,
      path: IAM_PATH,
      forceDestroy: false,
      tags: props.runAsUser === undefined ? undefined : { [RUN_AS_TAG]: props.runAsUser },
    });
    new IamUserGroupMembership(this, "groups", { user: user.name, groups: [...props.groupNames] });
  }
}
