package dev.tern.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;

/**
 * Puts header fields into a staged message in place, after the delivery-only Return-Path: line:
 * the octets behind that point move up by the fields' length, block by block from the end, and
 * the fields go into the gap. No second file: on a busy spool every file created and deleted
 * costs the file system more CPU than moving a few kilobytes in the page cache (on ext4 without
 * a journal, inode allocation alone took 16 % of Tern's CPU when relaying; BENCHMARKS.md).
 *
 * <p>Only for a staged file that is not shared yet: the session's own, before the router has
 * linked it anywhere. The first step writes only past the old end (what lands there), so when it
 * fails — a full disk — the file is cut back and is as it was. Every write after that lands in
 * octets the file already has. A failure then leaves it damaged: {@link Damaged}, and the
 * message must not be stored from it.
 */
public final class StagedInsertion {

    private static final int BLOCK = 64 * 1024;

    /** The staged file was changed part-way and no longer holds the message. */
    public static final class Damaged extends IOException {
        Damaged(String message, IOException cause) {
            super(message, cause);
        }
    }

    private StagedInsertion() {
    }

    /**
     * @param fields the header fields, CRLFs included
     * @return the same file, now {@code fields.length} octets longer
     * @throws Damaged     the file was changed part-way
     * @throws IOException the file is as it was (unreadable, or no room to grow)
     */
    public static StagedMessage insert(StagedMessage staged, byte[] fields) throws IOException {
        if (fields.length == 0) {
            return staged;
        }
        long at = staged.relayOffset();
        long size = staged.size();
        int shift = fields.length;
        long region = size - at;                  // what moves up
        int inGap = (int) Math.min(shift, region); // the fields' octets that land inside the old length
        boolean grown = false;
        try (FileChannel file = FileChannel.open(staged.file(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            if (file.size() != size) {
                throw new IOException(staged.file() + " is " + file.size() + " octets, not " + size);
            }
            ByteBuffer block = ByteBuffer.allocate((int) Math.max(1, Math.min(BLOCK, region)));
            // 1. Everything that lands past the old end, and only that: the fields' last octets when
            //    they are longer than what moves (no hole is left to fill later), then the moved tail.
            long tail = Math.min(shift, region);
            try {
                write(file, ByteBuffer.wrap(fields, inGap, shift - inGap), at + inGap);
                moveUp(file, block, size - tail, size, shift);
            } catch (IOException e) {
                try {
                    file.truncate(size);
                } catch (IOException cut) {
                    e.addSuppressed(cut);
                    throw new Damaged("staged file " + staged.file() + " grown and not cut back", e);
                }
                throw e;
            }
            grown = true;
            // 2. The rest: from the end backwards, each block read before anything overwrites it.
            moveUp(file, block, at, size - tail, shift);
            write(file, ByteBuffer.wrap(fields, 0, inGap), at);
        } catch (Damaged e) {
            throw e;
        } catch (IOException e) {
            if (grown) { // a write in step 2, or the close after it: the file is not the message any more
                throw new Damaged("staged file " + staged.file() + " damaged while inserting header fields", e);
            }
            throw e;
        }
        return new StagedMessage(staged.file(), size + shift, at);
    }

    /** Moves octets [start, end) up by {@code shift}, the last block first. */
    private static void moveUp(FileChannel file, ByteBuffer block, long start, long end, long shift)
            throws IOException {
        for (long upTo = end; upTo > start; ) {
            long count = Math.min(block.capacity(), upTo - start);
            upTo -= count;
            move(file, block, upTo, count, shift);
        }
    }

    private static void move(FileChannel file, ByteBuffer block, long from, long count, long shift)
            throws IOException {
        block.clear().limit((int) count);
        while (block.hasRemaining()) {
            if (file.read(block, from + block.position()) < 0) {
                throw new IOException("staged file ended at " + (from + block.position()));
            }
        }
        block.flip();
        write(file, block, from + shift);
    }

    private static void write(FileChannel file, ByteBuffer octets, long position) throws IOException {
        long at = position;
        while (octets.hasRemaining()) {
            at += file.write(octets, at);
        }
    }
}
