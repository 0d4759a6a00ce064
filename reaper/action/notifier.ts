import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

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

/** Publishes owner notifications to SNS; the subscription (e-mail, chat) is the owner's business. */
export function snsNotifier(sns: SNSClient): Notifier {
  return {
    async notify({ topicArn, subject, message }) {
      const out = await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject.slice(0, 100), Message: message }));
      return {
        ...(out.$metadata.requestId === undefined ? {} : { requestId: out.$metadata.requestId }),
        ...(out.MessageId === undefined ? {} : { messageId: out.MessageId }),
      };
    },
  };
}
