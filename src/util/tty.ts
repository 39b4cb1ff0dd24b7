/** True only when the stream is a terminal (node leaves `isTTY` undefined otherwise, though its types say boolean). */
export function isTty(stream: { isTTY?: boolean | undefined }): boolean {
  return stream.isTTY === true;
}
