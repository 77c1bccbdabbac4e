/** Per task, what the task agent needs to find it again by token (kept with the task, so it survives restarts). */
export interface TaskAgentState {
  /** Effective network mode of the task. */
  readonly networkMode: string;
  /** Per ECS container name: the unguessable token of its metadata URI (`/v4/<token>`). */
  readonly metadataTokens: Readonly<Record<string, string>>;
  /** `/v2/credentials/<id>`, for tasks with a task role. */
  readonly credentialsId?: string;
  readonly taskRoleArn?: string;
  /** Per ECS container name: its log driver and options, as the metadata endpoint reports them. */
  readonly logConfigurations: Readonly<Record<string, { driver: string; options: Record<string, string> }>>;
  /**
   * The ECS names of the containers created with a TTY (`pseudoTerminal`), so their output is read
   * without asking the engine first. Absent in state stored before it was kept: then the engine is asked.
   */
  readonly pseudoTerminals?: readonly string[];
}
