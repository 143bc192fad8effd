package dev.tern.http;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;

import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/** An autoconfig file parsed as a mail client parses it; parsing fails on anything not well-formed. */
final class AutoconfigXml {

    private final Document document;

    private AutoconfigXml(Document document) {
        this.document = document;
    }

    static AutoconfigXml parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return new AutoconfigXml(factory.newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
    }

    /** The text of every node {@code xpath} selects, in document order. */
    List<String> texts(String xpath) throws Exception {
        NodeList nodes = (NodeList) XPathFactory.newInstance().newXPath()
                .evaluate(xpath, document, XPathConstants.NODESET);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            texts.add(nodes.item(i).getTextContent());
        }
        return texts;
    }

    /** Each outgoing server as {@code host:port/socketType}, in the order a client tries them. */
    List<String> outgoing() throws Exception {
        return servers("outgoingServer[@type='smtp']");
    }

    /** The incoming servers, likewise. */
    List<String> incoming() throws Exception {
        return servers("incomingServer[@type='imap']");
    }

    private List<String> servers(String element) throws Exception {
        String base = "/clientConfig[@version='1.1']/emailProvider/" + element;
        List<String> hosts = texts(base + "/hostname");
        List<String> ports = texts(base + "/port");
        List<String> sockets = texts(base + "/socketType");
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            servers.add(hosts.get(i) + ":" + ports.get(i) + "/" + sockets.get(i));
        }
        return servers;
    }
}
