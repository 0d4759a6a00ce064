/**
 * A small local HTTP endpoint that stands in for the owners' inbox: subscribed to the
 * platform's notification topic once that exists, so the demo can show what owners are told.
 */
import { SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator } from "../harness/emulator";

/**
 * A local HTTP endpoint subscribed to the owners' topic: it keeps what SNS delivers
 * (the emulator posts each notification to it), as an owner's inbox would.
 */
export class OwnerInbox {
  private readonly received: string[] = [];
  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<OwnerInbox> {
    const server = http.createServer();
    const inbox = new OwnerInbox(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Type?: string; Subject?: string; Message?: string };
          if (body.Type === "Notification") inbox.received.push(`${body.Subject ?? "(no subject)"}: ${(body.Message ?? "").split("\n")[0]}`);
        } catch {
          // not a notification
        }
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return inbox;
  }

  /** Subscribes the inbox to a topic (SNS over HTTP: the emulator posts each message here). */
  async subscribe(emulator: Emulator, topicArn: string): Promise<void> {
    const sns = new SNSClient(emulator.clientConfig());
    try {
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "http", Endpoint: this.url }));
    } finally {
      sns.destroy();
    }
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/owners`;
  }

  /** What arrived since the last call (subject: first line), oldest first. */
  take(): string[] {
    return this.received.splice(0);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
