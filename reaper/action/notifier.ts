/** A message to an environment's owner. */
export interface Notification {
  readonly topicArn: string;
  readonly subject: string;
  readonly message: string;
}

/** How the reaper tells owners; SNS in production (`snsNotifier`), a recorder in tests. */
export interface Notifier {
  notify(notification: Notification): Promise<{ readonly requestId?: string; readonly messageId?: string }>;
}
